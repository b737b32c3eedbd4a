package io.canarybalancer.stack;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A Dockerfile read into stages and instructions: comments and the parser directive dropped,
 * continuation lines joined. Enough to check what each stage builds, copies and runs.
 */
record Dockerfile(List<Stage> stages) {

    /** One instruction: its keyword in upper case and the rest of the line. */
    record Instruction(String keyword, String arguments) {
    }

    /** {@code FROM image [AS name]} and the instructions up to the next FROM. */
    record Stage(String name, String base, List<Instruction> instructions) {

        List<String> arguments(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::arguments).toList();
        }

        Optional<String> last(String keyword) {
            List<String> all = arguments(keyword);
            return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
        }
    }

    static Dockerfile parse(String text) {
        List<String> logical = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : text.split("\n", -1)) {
            String line = raw.strip();
            if (line.startsWith("#")) {
                continue; // comments, and the "# syntax=" directive
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            String joined = current.toString().strip().replaceAll("\\s+", " ");
            current.setLength(0);
            if (!joined.isEmpty()) {
                logical.add(joined);
            }
        }
        List<Stage> stages = new ArrayList<>();
        List<Instruction> instructions = null;
        for (String line : logical) {
            int space = line.indexOf(' ');
            String keyword = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
            String arguments = space < 0 ? "" : line.substring(space + 1).strip();
            if (keyword.equals("FROM")) {
                String[] words = arguments.split(" ");
                String name = words.length >= 3 && words[1].equalsIgnoreCase("AS") ? words[2] : null;
                instructions = new ArrayList<>();
                stages.add(new Stage(name, words[0], instructions));
            } else if (instructions == null) {
                throw new IllegalArgumentException("instruction before the first FROM: " + line);
            } else {
                instructions.add(new Instruction(keyword, arguments));
            }
        }
        return new Dockerfile(List.copyOf(stages));
    }

    Stage stage(String name) {
        return stages.stream().filter(s -> name.equals(s.name())).findFirst()
                .orElseThrow(() -> new AssertionError("the Dockerfile has no stage named " + name));
    }

    /** The stage and every stage it is built FROM, nearest first. */
    List<Stage> lineage(String name) {
        List<Stage> chain = new ArrayList<>();
        Stage stage = stage(name);
        while (stage != null) {
            chain.add(stage);
            String base = stage.base();
            stage = stages.stream().filter(s -> base.equals(s.name())).findFirst().orElse(null);
        }
        return chain;
    }
}

package io.canarybalancer.message.cli;

import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.util.Duration;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code java -jar message-service.jar provider [--port 3000] [--error-rate 0.1] [--stall-rate 0.1]
 * [--stall 10s] [--seed N]}: runs the {@link ProviderSimulator} until the process is stopped.
 */
public class ProviderCommand extends Command {

    public ProviderCommand() {
        super("provider", "Runs a provider simulator: POST /message answers 200, 500 or late, at configurable rates");
    }

    @Override
    public void configure(Subparser subparser) {
        subparser.addArgument("--host").setDefault("127.0.0.1").help("address to listen on (default 127.0.0.1)");
        subparser.addArgument("--port").type(Integer.class).setDefault(3000).help("port (default 3000)");
        subparser.addArgument("--error-rate").dest("errorRate").type(Double.class).setDefault(0.1)
                .help("share of messages answered 500 (default 0.1)");
        subparser.addArgument("--stall-rate").dest("stallRate").type(Double.class).setDefault(0.1)
                .help("share of messages answered late (default 0.1)");
        subparser.addArgument("--stall").setDefault("10s").help("how late a late answer comes (default 10s)");
        subparser.addArgument("--seed").type(Long.class).help("seed of the random answers (default: a random one)");
        subparser.addArgument("--threads").type(Integer.class).setDefault(64)
                .help("requests served at once (default 64)");
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) throws Exception {
        Long seed = namespace.getLong("seed");
        long actualSeed = seed == null ? ThreadLocalRandom.current().nextLong() : seed;
        ProviderSimulator.Settings settings = new ProviderSimulator.Settings(namespace.getString("host"),
                namespace.getInt("port"), namespace.getDouble("errorRate"), namespace.getDouble("stallRate"),
                Duration.parse(namespace.getString("stall")).toJavaDuration(), actualSeed, namespace.getInt("threads"));
        ProviderSimulator simulator = ProviderSimulator.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }, "provider-shutdown"));
        System.out.printf("provider simulator on %s (error rate %s, stall rate %s, stall %s, seed %d)%n",
                simulator.url(), settings.errorRate(), settings.stallRate(), settings.stall(), actualSeed);
        stopped.await();
    }
}

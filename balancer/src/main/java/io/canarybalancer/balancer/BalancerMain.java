package io.canarybalancer.balancer;

import io.canarybalancer.balancer.config.BalancerConfig;
import io.canarybalancer.balancer.config.BalancerConfig.FileDiscovery;
import io.canarybalancer.balancer.config.ConfigLoader;
import io.canarybalancer.balancer.config.yaml.ConfigException;
import io.canarybalancer.balancer.discovery.ReplicaFile;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import sun.misc.Signal;

/** The command line: {@code java -jar balancer.jar [--config FILE] | --check FILE | --help | --version}. */
public final class BalancerMain {
    static final int OK = 0;
    static final int CONFIG_ERROR = 1;
    /** Start-up failed for another reason (a port in use): like a bad config, nothing is left running. */
    static final int START_ERROR = 1;
    static final int USAGE_ERROR = 2;
    private static final int RUNNING = -1;

    private static final String USAGE = """
            Usage: java -jar balancer.jar [--config FILE]
                   java -jar balancer.jar --check FILE
                   java -jar balancer.jar --help | --version

            Canary Balancer: an HTTP reverse proxy that splits traffic between a stable and a canary pool.

              --config FILE  run with this YAML configuration (default: the seed setup, port 48151,
                             Consul at $CONSUL_HTTP_ADDR or 127.0.0.1:8500, service-v1 / service-v2)
              --check FILE   validate a configuration (and its replica file) and exit: 0 if valid
              --help         show this help
              --version      print the version
            """;

    private BalancerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        int code = run(args, System.out, System.err);
        if (code != RUNNING) {
            System.exit(code);
        }
    }

    /** Runs the command; returns its exit code, or {@link #RUNNING} once a balancer is serving. */
    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        if (args.length == 1 && args[0].equals("--help")) {
            out.print(USAGE);
            return OK;
        }
        if (args.length == 1 && args[0].equals("--version")) {
            out.println("canary-balancer " + BalancerVersion.current());
            return OK;
        }
        if (args.length == 2 && args[0].equals("--check")) {
            return check(Path.of(args[1]), out, err);
        }
        if (args.length == 0 || args.length == 2 && args[0].equals("--config")) {
            return serve(args.length == 0 ? null : Path.of(args[1]), err);
        }
        err.println("Unknown arguments: " + String.join(" ", args));
        err.print(USAGE);
        return USAGE_ERROR;
    }

    private static int check(Path file, PrintStream out, PrintStream err) {
        try {
            BalancerConfig config = ConfigLoader.load(file);
            if (config.discovery() instanceof FileDiscovery replicas) {
                ReplicaFile.read(replicas.file());
            }
            out.println(file + ": OK (" + config.routes().size() + " route(s))");
            return OK;
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return CONFIG_ERROR;
        } catch (RuntimeException e) { // a check the loader lacks: still one line, never a stack trace
            err.println(file + ": cannot be checked: " + oneLine(e));
            return CONFIG_ERROR;
        }
    }

    private static int serve(Path file, PrintStream err) throws InterruptedException {
        Balancer balancer;
        try {
            BalancerConfig config = file == null ? BalancerConfig.defaults(System.getenv()) : ConfigLoader.load(file);
            balancer = Balancer.start(config);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return CONFIG_ERROR;
        } catch (StartException e) {
            err.println("Cannot start: " + e.getMessage());
            return START_ERROR;
        } catch (Exception e) { // unforeseen, yet still one line: the balancer stopped what it had started
            err.println("Cannot start: " + oneLine(e));
            return START_ERROR;
        }
        // SIGTERM and SIGINT drain the balancer and exit 0: stopping on request is a normal end.
        // (With only a shutdown hook the JVM would still exit 143 or 130.)
        Runnable stop = () -> {
            balancer.close();
            System.exit(OK);
        };
        for (String signal : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(signal), received -> new Thread(stop, "balancer-shutdown").start());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(balancer::close, "balancer-shutdown-hook"));
        new CountDownLatch(1).await(); // the main thread has nothing more to do
        return RUNNING;
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}

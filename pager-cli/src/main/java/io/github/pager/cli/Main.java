package io.github.pager.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The entry point of the {@code pager} command. Today it knows one command, {@code demo}; every
 * failure is reported as one line on stderr with a non-zero exit code, never as a stack trace.
 */
public final class Main {
  /** Exit code for a command that ran and found all well. */
  public static final int OK = 0;

  /** Exit code for a failure while running a command. */
  public static final int FAILED = 1;

  /** Exit code for a command line that could not be understood. */
  public static final int USAGE = 2;

  private Main() {}

  /**
   * Runs the command named by the first argument and exits with its code.
   *
   * @param args the command and its arguments
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs a command without exiting, for tests and embedding.
   *
   * @param args the command and its arguments
   * @param out where the command's report goes
   * @param err where errors go
   * @return the exit code
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
      usage(args.length == 0 ? err : out);
      return args.length == 0 ? USAGE : OK;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "demo" -> {
        if (rest.length > 1) {
          err.println("pager demo: takes at most one argument, the directory to work in");
          return USAGE;
        }
        try {
          Path directory = rest.length == 1 ? Path.of(rest[0]) : null;
          new Demo(out).run(directory);
          return OK;
        } catch (Exception e) {
          err.println("pager demo: " + e.getMessage());
          return FAILED;
        }
      }
      default -> {
        err.println("pager: unknown command '" + args[0] + "'");
        usage(err);
        return USAGE;
      }
    }
  }

  private static void usage(PrintStream to) {
    to.println("usage: pager <command> [arguments]");
    to.println();
    to.println("commands:");
    to.println("  demo [DIR]   create a page file, allocate, write, reopen, and show what survived");
  }
}

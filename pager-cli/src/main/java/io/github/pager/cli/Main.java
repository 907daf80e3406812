package io.github.pager.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * The entry point of the {@code pager} command. Every failure is reported as one line on stderr
 * with an exit code from {@link ExitCode}, never as a stack trace.
 */
public final class Main {
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
   * @param err where errors and progress go
   * @return the exit code
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine commandLine = new CommandLine(new PagerCommand());
    commandLine.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    commandLine.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    commandLine.setExecutionExceptionHandler(
        (failure, failed, parseResult) -> {
          failed.getErr().println("pager " + failed.getCommandName() + ": " + Failures.message(failure));
          return Failures.exitCode(failure);
        });
    int code = commandLine.execute(args);
    commandLine.getOut().flush();
    commandLine.getErr().flush();
    return code;
  }
}

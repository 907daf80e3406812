package io.github.pager.cli;

import io.github.pager.core.PageFileException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.ParseResult;

/**
 * The entry point of the {@code pager} command. Every failure is reported as one line on stderr
 * with an exit code from {@link ExitCode}, never as a stack trace; with {@code --json}, also as a
 * {@link JsonEnvelope} error on stdout, where the report would have been.
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
    boolean json = JsonOption.requested(List.of(args));
    CommandLine commandLine = new CommandLine(new PagerCommand());
    commandLine.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    commandLine.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    commandLine.setExecutionExceptionHandler(
        (failure, failed, parseResult) -> {
          String message = Failures.message(failure);
          failed.getErr().println("pager " + failed.getCommandName() + ": " + message);
          int code = Failures.exitCode(failure);
          if (json) {
            String path = Failures.path(failure);
            if (path == null && failure instanceof PageFileException) {
              path = firstParameter(failed.getParseResult()); // the page file the command read
            }
            failed.getOut().println(
                JsonEnvelope.error(failed.getCommandName(), code, Failures.kind(failure), message, path));
          }
          return code;
        });
    IParameterExceptionHandler usage = commandLine.getParameterExceptionHandler();
    commandLine.setParameterExceptionHandler(
        (failure, arguments) -> {
          int code = usage.handleParseException(failure, arguments); // the message and usage on stderr
          if (json) {
            CommandLine failed = failure.getCommandLine();
            failed.getOut().println(
                JsonEnvelope.error(failed.getCommandName(), code, "usage", String.valueOf(failure.getMessage()), null));
          }
          return code;
        });
    int code = commandLine.execute(args);
    commandLine.getOut().flush();
    commandLine.getErr().flush();
    return code;
  }

  /** The command's first parameter as given (FILE, or SRC of copy), or null when it has none. */
  private static @Nullable String firstParameter(ParseResult parsed) {
    ArgSpec first = parsed.matchedPositional(0);
    Object value = first == null ? null : first.getValue();
    return value == null ? null : value.toString();
  }
}

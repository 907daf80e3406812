package io.github.pager.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code pager} command itself: prints its usage; the work is in the subcommands. */
@Command(
    name = "pager",
    mixinStandardHelpOptions = true,
    version = "pager 0.1.0 (page file format 1)",
    description = "Create, inspect and check page files.",
    subcommands = {
      DemoCommand.class,
      InfoCommand.class,
      VerifyCommand.class,
      DumpCommand.class,
      CopyCommand.class,
      BenchCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 ok, 1 problems found, 2 usage, 3 no such file, 4 not a page file,",
      "5 corrupt or truncated, 6 locked by a writer, 7 other I/O error,",
      "8 a writer moved on while the command read (run it again),",
      "9 the file to create exists."
    })
final class PagerCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a command");
  }
}

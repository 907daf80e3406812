package io.github.pager.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code pager} command itself: prints its usage; the work is in the subcommands. */
@Command(
    name = "pager",
    mixinStandardHelpOptions = true,
    version = "pager 0.1.0 (page file format 4)",
    description = "Create, inspect, check and repair page files.",
    subcommands = {
      DemoCommand.class,
      InfoCommand.class,
      VerifyCommand.class,
      DumpCommand.class,
      StatsCommand.class,
      PagesCommand.class,
      CopyCommand.class,
      RecoverCommand.class,
      RollbackCommand.class,
      CompactCommand.class,
      BenchCommand.class,
      HelpCommand.class,
      AutoComplete.GenerateCompletion.class
    },
    footer = {
      "",
      "'pager help COMMAND' (or 'pager COMMAND --help') describes one command.",
      "'source <(pager generate-completion)' completes commands and options in bash or zsh.",
      "",
      "Exit codes: 0 ok, 1 problems found, 2 usage, 3 no such file, 4 not a page file,",
      "5 corrupt or truncated, 6 locked by a writer or busy (a compaction runs, or no",
      "reader slot is free), 7 other I/O error,",
      "8 a writer moved on while the command read (run it again),",
      "9 the file to create exists, 10 cannot run (the ./pager launcher found no JDK 25",
      "or newer, or could not build the tool)."
    })
final class PagerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** No command named: the usage, once, on stderr (stdout stays for reports), and a usage exit. */
  @Override
  public Integer call() {
    spec.commandLine().getErr().println("pager: name a command");
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCode.USAGE;
  }
}

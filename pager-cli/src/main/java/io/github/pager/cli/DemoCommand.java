package io.github.pager.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pager demo [DIR]}: the guided tour; see {@link Demo}. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Create a page file, allocate pages and sub-pages, commit, reopen, verify, and show recovery.")
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "where to create the file (default: a new temporary directory)")
  @Nullable Path directory;

  @Override
  public Integer call() throws Exception {
    new Demo(spec.commandLine().getOut()).run(directory);
    return ExitCode.OK;
  }
}

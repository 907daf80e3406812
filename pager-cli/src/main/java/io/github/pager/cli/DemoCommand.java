package io.github.pager.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Mixin JsonOption json = new JsonOption();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!json.on()) {
      new Demo(out).run(directory);
      return ExitCode.OK;
    }
    // The tour is told to people; a program gets what it left behind.
    Demo.Summary summary = new Demo(new PrintWriter(Writer.nullWriter())).run(directory);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("file", summary.file().toString());
    result.put("fileBytes", summary.fileBytes());
    result.put("pageSize", summary.pageSize());
    result.put("pageCount", summary.pageCount());
    result.put("generation", summary.generation());
    result.put("allocatedPages", summary.allocatedPages());
    result.put("freePageCount", summary.freePageCount());
    result.put("recoveredGeneration", summary.recoveredGeneration());
    out.println(JsonEnvelope.result("demo", ExitCode.OK, result));
    return ExitCode.OK;
  }
}

package io.github.pager.cli;

import io.github.pager.core.CopyOptions;
import io.github.pager.core.CopyReport;
import io.github.pager.core.Pager;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pager copy SRC DST}: an online backup. Copies the newest commit of a page file to a new
 * file, also while a writer in another process goes on committing to it; the copy opens clean at
 * that commit. Never writes to SRC and never overwrites DST.
 */
@Command(
    name = "copy",
    mixinStandardHelpOptions = true,
    description = {
      "Copy the newest commit of a page file to a new file, also while a writer holds it (online backup).",
      "The copy opens clean at that commit. DST must not exist; a failed copy leaves none."
    })
final class CopyCommand implements Callable<Integer> {
  /** Copies smaller than this finish before a progress bar would be worth drawing. */
  private static final long PROGRESS_FROM_BYTES = 64L << 20;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SRC", description = "the page file to copy")
  Path source = Path.of("");

  @Parameters(index = "1", paramLabel = "DST", description = "the copy to create; must not exist")
  Path target = Path.of("");

  @Option(names = "--trim", description = "leave out the free pages at the end: the copy ends after its highest page in use")
  boolean trim;

  @Option(names = "--sparse", description = "leave free pages as holes instead of writing them as zeros")
  boolean sparse;

  @Mixin JsonOption json = new JsonOption();

  @Override
  public Integer call() throws Exception {
    try (CommitView view = CommitView.open(InputFile.readable(source))) {
      Pager pager = view.pager();
      long sourceBytes = view.snapshot().pageCount() * pager.pageSize();
      Progress progress =
          new Progress(spec.commandLine().getErr(), Progress.wanted(json.on()) && sourceBytes >= PROGRESS_FROM_BYTES, 1);
      progress.step("copy of generation " + view.snapshot().generation());
      long started = System.nanoTime();
      CopyReport report;
      try {
        report = view.snapshot().copyTo(target, CopyOptions.defaults()
            .withTrimFreeTail(trim).withSparse(sparse).withProgress(progress::within));
        progress.within(1); // the copy reports as it writes, and a sparse one skips its free pages
      } finally {
        progress.finish();
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      print(report, view, sourceBytes, seconds);
      return ExitCode.OK;
    }
  }

  private void print(CopyReport report, CommitView view, long sourceBytes, double seconds) {
    PrintWriter out = spec.commandLine().getOut();
    long sourcePages = view.snapshot().pageCount();
    if (json.on()) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("file", source.toString()); // "file" in every command: the page file read
      result.put("target", target.toString());
      result.put("generation", report.generation());
      result.put("writerLive", view.writerLive());
      result.put("pageSize", view.pager().pageSize());
      result.put("sourcePageCount", sourcePages);
      result.put("pageCount", report.pageCount());
      result.put("pagesInUse", report.pagesInUse());
      result.put("bytesWritten", report.bytesWritten());
      result.put("fileBytes", report.fileBytes());
      result.put("sparse", sparse);
      result.put("trimmed", trim);
      result.put("seconds", FileStats.rounded(seconds));
      out.println(JsonEnvelope.result("copy", ExitCode.OK, result));
      return;
    }
    out.printf("copied      %s, generation %d, to %s%n", source, report.generation(), target);
    if (view.writerLive()) {
      out.println("writer      live: a writer holds the source; the copy is its newest commit when read");
    }
    out.printf("pages       %,d in use of %,d (3 reserved)%s; free pages %s%n", report.pagesInUse(), report.pageCount(),
        report.pageCount() < sourcePages ? String.format(", trimmed from %,d", sourcePages) : "",
        sparse ? "left as holes" : "written as zeros");
    out.printf("bytes       %,d written, file %,d bytes (source %,d), in %.2f s%n", report.bytesWritten(),
        report.fileBytes(), sourceBytes, seconds);
  }
}

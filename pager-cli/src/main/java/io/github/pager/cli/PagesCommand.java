package io.github.pager.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code pager pages FILE}: one line per page with its owner and state, as of the newest commit;
 * {@code pager dump} shows the same label for the page it dumps. Only reads.
 */
@Command(
    name = "pages",
    mixinStandardHelpOptions = true,
    description = {
      "List every page with its owner and state (free, pending, tree node, protected copy, user and more).",
      "One line per page of the newest commit, all of them unless --from/--count choose; 'pager dump' shows the"
          + " same label. Never writes."
    })
final class PagesCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin PageFileParameter pageFile = new PageFileParameter();

  @Option(names = "--from", paramLabel = "<page>", description = "the first page to list (default: 0)")
  long from;

  @Option(names = "--count", paramLabel = "<pages>", description = "how many pages to list (default: to the last page)")
  long count = -1;

  @Mixin JsonOption json = new JsonOption();

  @Override
  public Integer call() throws Exception {
    Path file = pageFile.file;
    PrintWriter out = spec.commandLine().getOut();
    if (count == 0 || count < -1) {
      throw new ParameterException(spec.commandLine(), "--count " + count + ": give a number of pages of 1 or more");
    }
    try (CommitView view = CommitView.open(InputFile.readable(file))) {
      long pageSize = view.inspection().pageSize();
      long filePages = Math.max(view.inspection().fileSize() / pageSize, view.pager().pageCount());
      if (from < 0 || from >= filePages) {
        throw new ParameterException(spec.commandLine(),
            "--from " + from + " is outside " + file + ", which holds pages 0 to " + (filePages - 1));
      }
      long pageCount = view.pager().pageCount();
      // By default the pages of the commit; pages past its page count only when asked for.
      long to = count == -1 ? (from < pageCount ? pageCount : filePages) : from + Math.min(count, filePages - from);
      PageOwners owners = view.read("the trees and structures", () -> PageOwners.read(view));
      if (json.on()) {
        List<Object> pages = new ArrayList<>();
        list(view, owners, to, (page, owner) -> {
          Map<String, Object> one = new LinkedHashMap<>();
          one.put("page", page);
          one.putAll(owner.fields());
          pages.add(one);
        });
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("file", file.toString());
        report.put("generation", view.pager().generation());
        report.put("writerLive", view.writerLive());
        report.put("pageSize", pageSize);
        report.put("pageCount", view.pager().pageCount());
        report.put("from", from);
        report.put("count", to - from);
        report.put("pages", pages);
        out.println(JsonEnvelope.result("pages", ExitCode.OK, report));
      } else {
        int width = Long.toString(to - 1).length();
        list(view, owners, to, (page, owner) -> out.printf("%" + width + "d  %s%n", page, owner.text()));
      }
      return ExitCode.OK;
    }
  }

  /** Visits pages {@code [from, to)}; the free-space tree is read before the first page is visited. */
  private void list(CommitView view, PageOwners owners, long to, PageOwners.OwnerVisitor visitor) throws java.io.IOException {
    view.read("the free-space tree", () -> {
      owners.forEach(from, to, visitor);
      return Boolean.TRUE;
    });
  }
}

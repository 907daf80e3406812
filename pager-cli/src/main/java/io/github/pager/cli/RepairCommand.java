package io.github.pager.cli;

import io.github.pager.core.PageFileRepair;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.RepairPlan;
import io.github.pager.core.storage.FileStorage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What {@code recover} and {@code rollback} share: plan under the writer lock, say the plan, back
 * the file up, apply the plan, and verify by opening the file. Both judge a commit, before they
 * make it current and again after writing, by its free-space tree and by the structures under its
 * root values that {@code verify} knows ({@link KnownStructures#problemsOf}): one check for all
 * three.
 */
abstract class RepairCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin PageFileParameter pageFile = new PageFileParameter();

  @Option(names = "--in-place", description = "write without making a backup copy first")
  boolean inPlace;

  @Option(names = "--backup", paramLabel = "PATH", description = "where to copy the file first (default: FILE.bak-<timestamp> beside it); never overwritten")
  @Nullable Path backup;

  @Mixin JsonOption json = new JsonOption();

  /** The file, as {@link #call} found it in {@link #pageFile}. */
  private Path file = Path.of("");

  /** The repair's name, as the command is called. */
  abstract String name();

  /**
   * Plans the repair, judging each commit's structures by {@code structures}; reads only, and
   * takes the writer lock.
   */
  abstract RepairPlan plan(FileStorage storage, PageFileRepair.StructureCheck structures) throws IOException;

  /** Whether the command only says what it would do. */
  boolean dryRun() {
    return false;
  }

  @Override
  public Integer call() throws Exception {
    if (inPlace && backup != null) {
      throw new ParameterException(spec.commandLine(), "--in-place and --backup exclude each other");
    }
    file = pageFile.file;
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("file", file.toString());
    return run(report); // a failure reaches Main, which reports it (as JSON with --json)
  }

  private int run(Map<String, Object> report) throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    InputFile.readable(file);
    RepairPlan plan;
    @Nullable Path copy = null;
    try (FileStorage storage = FileStorage.open(file, false)) {
      plan = plan(storage, KnownStructures::problemsOf);
      describe(plan, report);
      if (!json.on()) {
        printPlan(out, plan);
      }
      if (dryRun()) {
        report.put("written", false);
        report.put("dryRun", true);
        finish(out, report, ExitCode.OK, name() + ": dry run: nothing written");
        return ExitCode.OK;
      }
      if (plan.writesNothing()) {
        report.put("written", false);
        report.put("dryRun", false);
        if (!chosenVerifiesWhole(plan)) {
          // No copy's structures verify, and the file opens as it is: nothing a repair can write
          // makes it verify, which is what exit 5 says after a repair that wrote.
          finish(out, report, ExitCode.CORRUPT, name() + ": nothing it can do: the file opens at generation "
              + plan.resultGeneration() + ", but its structures fail their checks (see above)");
          return ExitCode.CORRUPT;
        }
        finish(out, report, ExitCode.OK,
            name() + ": nothing to do: the file opens at generation " + plan.resultGeneration() + " as it is");
        return ExitCode.OK;
      }
      if (inPlace) {
        err.println("pager " + name() + ": --in-place: NO BACKUP is made; " + file + " is written directly");
      } else {
        copy = backup != null ? backup : Backup.defaultTarget(file, LocalDateTime.now());
        Backup.copy(file, copy);
        if (!json.on()) {
          out.printf("backup      %s (%,d bytes, synced)%n", copy, Files.size(copy));
        }
      }
      report.put("backup", Optional.ofNullable(copy).map(Path::toString)); // null: --in-place
      plan.apply();
    }
    report.put("written", true);
    report.put("dryRun", false);
    List<String> problems = verify(plan);
    report.put("verified", problems.isEmpty());
    report.put("problems", problems);
    if (!problems.isEmpty()) {
      problems.forEach(problem -> err.println("pager " + name() + ": after the repair: " + problem));
      finish(out, report, ExitCode.CORRUPT, name() + ": written, but the file does not verify"
          + (copy == null ? "" : "; the file before the repair is " + copy));
      return ExitCode.CORRUPT;
    }
    finish(out, report, ExitCode.OK, name() + ": done: " + file + " opens at generation " + plan.resultGeneration()
        + " (the commit first made as generation " + plan.chosenGeneration() + "), its free-space tree and structures"
        + " verified");
    return ExitCode.OK;
  }

  /** Whether the copy the plan makes (or leaves) current verified whole, its structures too. */
  private static boolean chosenVerifiesWhole(RepairPlan plan) {
    return plan.copies().stream()
        .anyMatch(state -> state.name().equals(plan.chosenCopy()) && state.structuresVerified());
  }

  /** Opens the repaired file as any reader would, and checks its tree and its structures. */
  private List<String> verify(RepairPlan plan) throws IOException {
    List<String> problems = new ArrayList<>();
    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      if (pager.generation() != plan.resultGeneration()) {
        problems.add("opens at generation " + pager.generation() + ", not " + plan.resultGeneration());
      }
      if (pager.superblockRecovered()) {
        problems.add("its superblock still fails its checks");
      }
      if (pager.openedFromAlternate()) {
        problems.add("open still falls back to the other metadata copy");
      }
      problems.addAll(pager.verify(fraction -> {}).problems());
      try {
        problems.addAll(KnownStructures.problemsOf(pager));
      } catch (IOException e) {
        problems.add("its structures cannot be checked: " + Failures.message(e));
      }
    } catch (IOException e) {
      problems.add("does not open: " + Failures.message(e));
    }
    return problems;
  }

  private static void describe(RepairPlan plan, Map<String, Object> report) {
    report.put("pageSize", plan.pageSize());
    Map<String, Object> superblock = new LinkedHashMap<>();
    superblock.put("damaged", plan.superblockProblem().isPresent());
    superblock.put("problem", plan.superblockProblem());
    report.put("superblock", superblock);
    List<Object> copies = new ArrayList<>();
    for (RepairPlan.CopyState state : plan.copies()) {
      Map<String, Object> copy = new LinkedHashMap<>();
      copy.put("copy", state.name());
      copy.put("page", state.page());
      copy.put("valid", state.valid());
      copy.put("generation", state.generation());
      copy.put("treeVerified", state.treeVerified());
      copy.put("structuresVerified", state.structuresVerified());
      copy.put("problems", state.problems());
      copies.add(copy);
    }
    report.put("copies", copies);
    report.put("chosenCopy", plan.chosenCopy());
    report.put("chosenGeneration", plan.chosenGeneration());
    report.put("resultGeneration", plan.resultGeneration());
    report.put("actions", plan.actions());
  }

  private void printPlan(PrintWriter out, RepairPlan plan) {
    out.printf("file        %s, page size %,d%n", file, plan.pageSize());
    out.printf("superblock  %s%n", plan.superblockProblem().map(problem -> "DAMAGED: " + problem).orElse("whole"));
    for (RepairPlan.CopyState state : plan.copies()) {
      String what;
      if (!state.valid()) {
        what = "not valid: " + String.join("; ", state.problems());
      } else if (!state.treeVerified()) {
        what = "generation " + state.generation() + ", tree FAILS: " + String.join("; ", state.problems());
      } else if (!state.structuresVerified()) {
        what = "generation " + state.generation() + ", tree verified, structures FAIL: "
            + String.join("; ", state.problems());
      } else {
        what = "generation " + state.generation() + ", tree and structures verified";
      }
      out.printf("copy %s      page %d, %s%n", state.name(), state.page(), what);
    }
    out.printf("choose      copy %s (generation %d)%n", plan.chosenCopy(), plan.chosenGeneration());
    List<String> actions = plan.actions();
    for (int i = 0; i < actions.size(); i++) {
      out.printf("%-11s %d. %s%n", i == 0 ? "plan" : "", i + 1, actions.get(i));
    }
  }

  private void finish(PrintWriter out, Map<String, Object> report, int code, String line) {
    if (json.on()) {
      out.println(JsonEnvelope.result(name(), code, report));
    } else {
      out.println(line);
    }
  }
}

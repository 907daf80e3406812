package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress bar: where it goes, when it shows, and what each frame says. Checked by stream:
 * the launcher's {@code [ -t 2 ]} is the terminal test, and it reaches Java as a system property.
 */
class ProgressTest {
  @TempDir Path dir;

  @Test
  void showsOnlyWhenTheLauncherSaysStderrIsATerminalAndNeverBesideJson() {
    assertThat(Progress.shows("true", false)).isTrue();
    assertThat(Progress.shows("false", false)).as("stderr redirected: 2> file gets no frames").isFalse();
    assertThat(Progress.shows(null, false)).as("run without the launcher: nothing can tell, so no frames").isFalse();
    assertThat(Progress.shows("true", true)).as("JSON is for programs").isFalse();
  }

  @Test
  void everyFrameShowsTheWholeRunsPercentage() {
    StringWriter err = new StringWriter();
    Progress progress = new Progress(new PrintWriter(err), true, 4);
    progress.step("first");
    progress.within(0.5);
    progress.step("second"); // a step that reports no fraction of its own
    progress.step("third");
    progress.within(0.25);
    progress.within(0.25); // the same percentage: not drawn again
    progress.step("fourth");
    progress.within(1);
    List<String> frames = frames(err.toString());
    assertThat(frames).extracting(frame -> frame.replaceAll("^\\[[# ]*\\] +", "").replaceAll(" +$", ""))
        .containsExactly(
            "0% 1/4 first", "12% 1/4 first", "25% 2/4 second", "50% 3/4 third", "56% 3/4 third",
            "75% 4/4 fourth", "100% 4/4 fourth");
    progress.finish();
    assertThat(err.toString()).endsWith("\r");
  }

  @Test
  void aDisabledBarWritesNothing() {
    StringWriter err = new StringWriter();
    Progress progress = new Progress(new PrintWriter(err), false, 2);
    progress.step("one");
    progress.within(0.5);
    progress.finish();
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void verifyDrawsOnStderrWhenItIsATerminalAndKeepsStdoutClean() throws IOException {
    Path file = dir.resolve("file.pages");
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      pager.allocBulk(100);
    }
    String before = System.getProperty(Progress.STDERR_TERMINAL);
    try {
      System.setProperty(Progress.STDERR_TERMINAL, "true");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertThat(Main.run(new String[] {"verify", file.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8))).isZero();
      assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("\r").contains("is consistent");
      List<String> frames = frames(err.toString(StandardCharsets.UTF_8));
      assertThat(frames).isNotEmpty().allSatisfy(frame -> assertThat(frame).containsPattern("\\] +\\d+% "));
      assertThat(frames).anySatisfy(frame -> assertThat(frame).contains("5/5 page accounting"));
      assertThat(frames.getLast()).contains("100% 5/5 page accounting").as("the last allocated page is the last page");

      System.setProperty(Progress.STDERR_TERMINAL, "false");
      err.reset();
      assertThat(Main.run(new String[] {"verify", file.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8))).isZero();
      assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    } finally {
      if (before == null) {
        System.clearProperty(Progress.STDERR_TERMINAL);
      } else {
        System.setProperty(Progress.STDERR_TERMINAL, before);
      }
    }
  }

  @Test
  void benchDrawsEveryStepWithItsPercentageOnStderrAndPrintsItsTableClean() {
    CommandRun run = withTerminal("true", "bench", "--rounds", "10", dir.resolve("bench").toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).doesNotContain("\r").contains("durable alloc (one commit)").contains("x sync");
    List<String> frames = frames(run.err());
    assertThat(frames).isNotEmpty().allSatisfy(frame -> assertThat(frame).containsPattern("\\] +\\d+% \\d/8 "));
    for (String step : List.of("1/8 raw sync of one page", "2/8 durable alloc", "3/8 durable free",
        "4/8 durable allocBulk(64)", "5/8 sub-page alloc and write", "6/8 protected page write",
        "7/8 protected 16-page transaction", "8/8 random reads")) {
      assertThat(frames).as(step).anySatisfy(frame -> assertThat(frame).contains(step));
    }
    assertThat(percentages(frames)).as("the whole run's percentage never goes back").isSorted();
    assertThat(frames.getLast()).contains("100% 8/8 random reads");
    assertThat(run.err()).as("the bar is cleared at the end").endsWith("\r");

    CommandRun redirected = withTerminal("false", "bench", "--rounds", "10", dir.resolve("bench").toString());
    assertThat(redirected.code()).as(redirected.err()).isZero();
    assertThat(redirected.err()).as("2> file gets no frames").isEmpty();
  }

  @Test
  void copyDrawsItsPercentageOnStderrWhenItIsATerminal() throws IOException {
    Path file = dir.resolve("big.pages");
    // 64 MiB of pages, the size from which copy shows a bar. Not --sparse: the copy reports its
    // progress as it writes, and a sparse copy of few pages in use writes little.
    try (Pager pager = Pager.create(file, PagerOptions.defaults().withSparse(true).withInitialPageCount(16_384))) {
      pager.allocBulk(100);
    }
    CommandRun run = withTerminal("true", "copy", file.toString(), dir.resolve("copy.pages").toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).doesNotContain("\r").contains("copied");
    List<String> frames = frames(run.err());
    assertThat(frames).hasSizeGreaterThan(2).allSatisfy(frame -> assertThat(frame).containsPattern("\\] +\\d+% 1/1 copy of generation "));
    assertThat(percentages(frames)).isSorted();
    assertThat(frames.getLast()).contains("100% 1/1");

    CommandRun json = withTerminal("true", "copy", "--sparse", "--json", file.toString(), dir.resolve("copy2.pages").toString());
    assertThat(json.code()).as(json.err()).isZero();
    assertThat(json.err()).as("never beside JSON").isEmpty();
  }

  /** Runs the command as the launcher would with stderr a terminal ("true") or not ("false"). */
  private static CommandRun withTerminal(String stderrTerminal, String... args) {
    String before = System.getProperty(Progress.STDERR_TERMINAL);
    try {
      System.setProperty(Progress.STDERR_TERMINAL, stderrTerminal);
      return CommandRun.of(args);
    } finally {
      if (before == null) {
        System.clearProperty(Progress.STDERR_TERMINAL);
      } else {
        System.setProperty(Progress.STDERR_TERMINAL, before);
      }
    }
  }

  private static List<Integer> percentages(List<String> frames) {
    return frames.stream().map(frame -> Integer.parseInt(frame.replaceAll("^\\[[# ]*\\] +(\\d+)%.*$", "$1"))).toList();
  }

  /** The frames drawn, without the blank one that clears the bar. */
  private static List<String> frames(String err) {
    return Arrays.stream(err.split("\r")).filter(frame -> !frame.isBlank()).toList();
  }
}

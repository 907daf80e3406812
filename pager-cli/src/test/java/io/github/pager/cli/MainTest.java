package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void demoCreatesAFileReopensItAndReportsThatEverythingSurvived() throws Exception {
    assertThat(run("demo", dir.toString())).isZero();
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text)
        .contains("reopened    51 pages allocated")
        .containsPattern("says \"index page: start at page \\d+\"")
        .contains("verify      clean")
        .contains("everything acknowledged before the reopen is there");
    try (var files = Files.list(dir)) {
      assertThat(files.filter(p -> p.toString().endsWith(".pages")).count()).isEqualTo(1);
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void anUnknownCommandIsAUsageErrorWithoutAStackTrace() {
    assertThat(run("frobnicate")).isEqualTo(Main.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'frobnicate'").doesNotContain("Exception");
  }

  @Test
  void noCommandPrintsUsage() {
    assertThat(run()).isEqualTo(Main.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: pager");
  }

  @Test
  void aDemoDirectoryThatCannotBeCreatedIsAOneLineError() throws Exception {
    Path blocker = Files.writeString(dir.resolve("a-file"), "x");
    assertThat(run("demo", blocker.resolve("sub").toString())).isEqualTo(Main.FAILED);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("pager demo: ").doesNotContain("\tat ");
  }
}

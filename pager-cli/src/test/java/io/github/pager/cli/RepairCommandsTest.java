package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.pager.core.PageFileInspection;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pager recover} and {@code pager rollback} on damaged files: output, exit codes, JSON, backups. */
class RepairCommandsTest {
  private static final int PAGE = 4096;

  /** FORMAT.md: the metadata record's tree root field, and a byte the record's CRC covers. */
  private static final int MD_TREE_ROOT = 32;

  private static final int MD_FREE_COUNT = 24;

  @TempDir Path dir;
  private Path file;
  private long generation;

  @BeforeEach
  void fourCommits() throws IOException {
    file = dir.resolve("pages.db");
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      pager.alloc();
      pager.alloc();
      pager.free(pager.alloc());
      generation = pager.generation();
    }
  }

  @Test
  void recoverRepairsAFlippedMagicByteAfterABackup() throws IOException {
    flipByte(1);
    assertThat(CommandRun.of("info", file.toString()).code()).as("refused before").isEqualTo(ExitCode.NOT_A_PAGE_FILE);
    byte[] damaged = Files.readAllBytes(file);

    CommandRun run = CommandRun.of("recover", "--json", file.toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.json().get("ok").asBoolean()).isTrue();
    JsonNode report = run.result();
    assertThat(report.get("superblock").get("damaged").asBoolean()).isTrue();
    assertThat(report.get("superblock").get("problem").asText()).contains("no page-file magic");
    assertThat(report.get("resultGeneration").asLong()).isEqualTo(generation);
    assertThat(report.get("written").asBoolean()).isTrue();
    assertThat(report.get("verified").asBoolean()).isTrue();
    assertThat(report.get("actions").get(0).asText()).startsWith("write a new superblock");
    Path backup = Path.of(report.get("backup").asText());
    assertThat(backup.getFileName().toString()).startsWith("pages.db.bak-");
    assertThat(Files.readAllBytes(backup)).as("the backup holds the file as it was").isEqualTo(damaged);

    assertThat(CommandRun.of("verify", file.toString()).code()).isZero();
    CommandRun again = CommandRun.of("recover", file.toString());
    assertThat(again.code()).isZero();
    assertThat(again.out()).contains("superblock  whole").contains("recover: nothing to do");
  }

  @Test
  void recoverSaysWhatItWillDoAndDryRunWritesNothing() throws IOException {
    flipByte(0);
    byte[] damaged = Files.readAllBytes(file);
    CommandRun run = CommandRun.of("recover", "--dry-run", file.toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("superblock  DAMAGED: " + file + " is not a page file: no page-file magic at offset 0")
        .contains("choose      copy ")
        .contains("plan        1. write a new superblock (page 0: format 4, page size 4096) and sync it")
        .endsWith("recover: dry run: nothing written" + System.lineSeparator());
    assertThat(Files.readAllBytes(file)).isEqualTo(damaged);
    assertThat(backups()).isEmpty();
  }

  @Test
  void recoverOfADamagedNewestTreeRootMakesTheOlderCopyTheNewest() throws IOException {
    int newest = PageFileInspection.inspect(file).activeSlot();
    flipByte(longAt((long) newest * PAGE + MD_TREE_ROOT) * PAGE + 64);
    Path backup = dir.resolve("before-recover.db");
    CommandRun run = CommandRun.of("recover", "--backup", backup.toString(), file.toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("tree FAILS")
        .contains("choose      copy " + (newest == 1 ? "B" : "A") + " (generation " + (generation - 1) + ")")
        .contains("as generation " + (generation + 1))
        .contains("backup      " + backup)
        .contains("recover: done: " + file + " opens at generation " + (generation + 1));
    assertThat(backup).exists();
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.openedFromAlternate()).isFalse();
      assertThat(pager.generation()).isEqualTo(generation + 1);
    }
  }

  @Test
  void aTornNewestRecordNeedsNoRecoverAndLeavesNoAlternateToRollBackTo() throws IOException {
    int newest = PageFileInspection.inspect(file).activeSlot();
    flipByte((long) newest * PAGE + MD_FREE_COUNT);
    byte[] before = Files.readAllBytes(file);
    CommandRun recover = CommandRun.of("recover", "--json", file.toString());
    assertThat(recover.code()).as(recover.err()).isZero();
    JsonNode report = recover.result();
    assertThat(report.get("written").asBoolean()).isFalse();
    assertThat(report.get("actions")).isEmpty();
    assertThat(report.get("copies").get(newest - 1).get("valid").asBoolean()).isFalse();
    assertThat(report.get("copies").get(newest - 1).get("problems").get(0).asText()).contains("checksum mismatch");
    assertThat(report.get("resultGeneration").asLong()).isEqualTo(generation - 1);

    CommandRun rollback = CommandRun.of("rollback", "--json", file.toString());
    assertThat(rollback.code()).isEqualTo(ExitCode.PROBLEMS);
    assertThat(rollback.json().get("error").get("message").asText()).contains("no alternate to roll back to");
    assertThat(rollback.json().get("error").get("kind").asText()).isEqualTo("refused");
    assertThat(rollback.json().get("exitCode").asInt()).isEqualTo(ExitCode.PROBLEMS);
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(backups()).isEmpty();
  }

  @Test
  void rollbackMakesTheCommitBeforeCurrentOnceAndThenRefuses() throws IOException {
    CommandRun run = CommandRun.of("rollback", "--in-place", file.toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.err()).contains("--in-place: NO BACKUP is made");
    assertThat(run.out()).contains("plan        1. roll back from copy ")
        .contains("rollback: done: " + file + " opens at generation " + (generation + 1)
            + " (the commit first made as generation " + (generation - 1) + ")");
    assertThat(backups()).isEmpty();

    CommandRun again = CommandRun.of("rollback", file.toString());
    assertThat(again.code()).isEqualTo(ExitCode.PROBLEMS);
    assertThat(again.err()).contains("both copies hold the same commit");
    assertThat(CommandRun.of("verify", file.toString()).code()).isZero();
  }

  @Test
  void rollbackRefusesADamagedSuperblockAndPointsToRecover() throws IOException {
    flipByte(12);
    CommandRun run = CommandRun.of("rollback", file.toString());
    assertThat(run.code()).isEqualTo(ExitCode.PROBLEMS);
    assertThat(run.err()).startsWith("pager rollback: ").contains("run recover first");
  }

  @Test
  void bothRefuseAFileAWriterHolds() throws IOException {
    try (Pager writer = Pager.open(file)) {
      for (String command : List.of("recover", "rollback")) {
        CommandRun run = CommandRun.of(command, "--json", file.toString());
        assertThat(run.code()).as(command).isEqualTo(ExitCode.LOCKED);
        assertThat(run.json().get("error").get("message").asText()).contains("open for writing");
        assertThat(run.json().get("error").get("kind").asText()).isEqualTo("locked");
      }
      writer.alloc();
    }
    assertThat(backups()).isEmpty();
  }

  @Test
  void badArgumentsAndFilesExitWithTheirCodes() throws IOException {
    assertThat(CommandRun.of("recover", "--in-place", "--backup", "x", file.toString()).code()).isEqualTo(ExitCode.USAGE);
    assertThat(CommandRun.of("rollback", dir.resolve("missing").toString()).code()).isEqualTo(ExitCode.NOT_FOUND);
    Path foreign = Files.writeString(dir.resolve("notes.txt"), "not a page file at all".repeat(500));
    CommandRun run = CommandRun.of("recover", foreign.toString());
    assertThat(run.code()).isEqualTo(ExitCode.NOT_A_PAGE_FILE);
    assertThat(run.err()).contains("not a page file");
    assertThat(Files.exists(dir.resolve("notes.txt-lock"))).as("a foreign file gets no lock file").isFalse();
    flipByte(0);
    Path taken = Files.writeString(dir.resolve("taken"), "x");
    assertThat(CommandRun.of("recover", "--backup", taken.toString(), file.toString()).code()).isEqualTo(ExitCode.EXISTS);
  }

  private List<Path> backups() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(path -> path.getFileName().toString().contains(".bak-")).toList();
    }
  }

  private long longAt(long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(bytes, offset);
      return bytes.getLong(0);
    }
  }

  private void flipByte(long offset) throws IOException {
    FileDamage.flipByte(file, offset);
  }
}

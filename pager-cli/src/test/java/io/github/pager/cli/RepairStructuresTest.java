package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.pager.core.PageFileInspection;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import io.github.pager.protectedpages.ProtectedPageId;
import io.github.pager.protectedpages.ProtectedPageWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pager recover} and {@code pager rollback} check the structures under the root values of
 * the commit they make current, as {@code verify} does, not only its free-space tree: a page only
 * one commit's protected-page directory uses is damaged, which leaves every free-space tree whole.
 */
class RepairStructuresTest {
  private static final int PAGE = 4096;

  private static final int PROTECTED_SLOT = 12;

  @TempDir Path dir;
  private Path file;

  /** The generations of the last two commits, each held by one metadata copy. */
  private long older;

  private long newest;

  /** The directory's node pages as of each of the two commits. */
  private Set<Long> olderDirectory = Set.of();

  private Set<Long> newestDirectory = Set.of();

  /** The physical page of protected page 0's active copy, which neither of the two commits wrote. */
  private long sharedActiveCopy;

  /**
   * Two protected pages; page 0 written by the commit before the last two, page 1 by the newest:
   * the newest commit's directory lives in nodes the older one does not use, and the other way
   * round (their pages are pending in the newest commit, so they stay as the older commit left
   * them).
   */
  @BeforeEach
  void twoCommitsWithDifferentDirectories() throws IOException {
    file = dir.resolve("protected.pages");
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, PROTECTED_SLOT);
      List<ProtectedPageId> ids = pages.allocBulk(2);
      write(pages, ids.get(0), (byte) 1);
      older = pager.generation();
      olderDirectory = directory(pager, pages);
      write(pages, ids.get(1), (byte) 2);
      newest = pager.generation();
      newestDirectory = directory(pager, pages);
      pages.forEachCopies(copies -> {
        if (copies.id() == 0) {
          sharedActiveCopy = copies.activeIsA() ? copies.copyA() : copies.copyB();
        }
      });
    }
    assertThat(newest).isEqualTo(older + 1);
    assertThat(CommandRun.of("verify", file.toString()).code()).as("whole before the damage").isZero();
  }

  @Test
  void recoverPrefersTheOlderCopyWhenOnlyTheNewestCopysStructuresFail() throws IOException {
    long onlyNewest = only(newestDirectory, olderDirectory);
    flipByte(onlyNewest * PAGE + 100);
    int newestSlot = PageFileInspection.inspect(file).activeSlot();
    CommandRun dry = CommandRun.of("recover", "--dry-run", file.toString());
    assertThat(dry.code()).as(dry.err()).isZero();
    assertThat(dry.out())
        .contains("generation " + newest + ", tree verified, structures FAIL: slots " + PROTECTED_SLOT + "-")
        .contains("generation " + older + ", tree and structures verified")
        .contains("has a free-space tree that verifies but structures that do not")
        .contains("recover prefers copy " + (newestSlot == 1 ? "B" : "A"))
        .contains("choose      copy " + (newestSlot == 1 ? "B" : "A") + " (generation " + older + ")");

    CommandRun run = CommandRun.of("recover", "--json", "--in-place", file.toString());
    assertThat(run.code()).as(run.out() + run.err()).isZero();
    JsonNode report = run.result();
    JsonNode newestCopy = report.get("copies").get(newestSlot - 1);
    assertThat(newestCopy.get("generation").asLong()).isEqualTo(newest);
    assertThat(newestCopy.get("treeVerified").asBoolean()).as("the damage is in no free-space tree").isTrue();
    assertThat(newestCopy.get("structuresVerified").asBoolean()).isFalse();
    assertThat(report.get("copies").get(2 - newestSlot).get("structuresVerified").asBoolean()).isTrue();
    assertThat(report.get("actions").get(0).asText()).contains("recover prefers");
    assertThat(report.get("chosenGeneration").asLong()).as("the older copy verifies whole").isEqualTo(older);
    assertThat(report.get("resultGeneration").asLong()).isEqualTo(newest + 1);
    assertThat(report.get("written").asBoolean()).isTrue();
    assertThat(report.get("verified").asBoolean()).isTrue();
    assertThat(CommandRun.of("verify", file.toString()).code()).as("the file verifies after the repair").isZero();
  }

  @Test
  void rollbackRefusesAnAlternateWhoseStructuresFail() throws IOException {
    long onlyOlder = only(olderDirectory, newestDirectory);
    flipByte(onlyOlder * PAGE + 100);
    byte[] before = Files.readAllBytes(file);

    CommandRun run = CommandRun.of("rollback", "--json", "--in-place", file.toString());
    assertThat(run.code()).as(run.out() + run.err()).isEqualTo(ExitCode.PROBLEMS);
    assertThat(run.json().get("error").get("kind").asText()).isEqualTo("refused");
    assertThat(run.json().get("error").get("message").asText())
        .contains("generation " + older)
        .contains("slots " + PROTECTED_SLOT + "-");
    assertThat(Files.readAllBytes(file)).as("nothing written").isEqualTo(before);
  }

  @Test
  void recoverVerifiesTheStructuresAfterWritingAndSaysWhenTheyStillFail() throws IOException {
    flipByte(1); // the superblock's magic: the file does not open
    flipByte(sharedActiveCopy * PAGE + 100); // both commits' protected page 0
    assertThat(CommandRun.of("info", file.toString()).code()).isEqualTo(ExitCode.NOT_A_PAGE_FILE);

    CommandRun run = CommandRun.of("recover", "--json", "--in-place", file.toString());
    assertThat(run.code()).as(run.out() + run.err()).isEqualTo(ExitCode.CORRUPT);
    JsonNode report = run.result();
    assertThat(report.get("chosenGeneration").asLong()).as("neither copy's structures verify: the newest").isEqualTo(newest);
    assertThat(report.get("written").asBoolean()).as("the superblock is repaired all the same").isTrue();
    assertThat(report.get("verified").asBoolean()).isFalse();
    assertThat(report.get("problems").toString()).contains("protected page 0");
    assertThat(CommandRun.of("info", file.toString()).code()).as("the file opens again").isZero();
  }

  @Test
  void recoverOfAFileThatOpensButWhoseStructuresFailInEveryCopyWritesNothingAndExitsFive() throws IOException {
    flipByte(sharedActiveCopy * PAGE + 100);
    byte[] before = Files.readAllBytes(file);

    CommandRun run = CommandRun.of("recover", "--json", file.toString());
    assertThat(run.code()).as(run.out() + run.err()).isEqualTo(ExitCode.CORRUPT);
    JsonNode report = run.result();
    assertThat(report.get("chosenGeneration").asLong()).isEqualTo(newest);
    assertThat(report.get("written").asBoolean()).isFalse();
    assertThat(report.get("actions")).hasSize(1);
    assertThat(report.get("actions").get(0).asText())
        .startsWith("no metadata copy's structures verify")
        .contains("protected page 0");
    assertThat(Files.readAllBytes(file)).as("nothing written").isEqualTo(before);
    assertThat(CommandRun.of("recover", file.toString()).out()).contains("recover: nothing it can do");
  }

  private static void write(ProtectedPageAllocator pages, ProtectedPageId id, byte fill) throws IOException {
    try (ProtectedPageWriter writer = pages.write(id)) {
      writer.segment().fill(fill);
      writer.commit();
    }
  }

  private static Set<Long> directory(Pager pager, ProtectedPageAllocator pages) throws IOException {
    return new TreeSet<>(pager.readArray(pages.directorySlot(), 32).nodePages());
  }

  /** A page of {@code these} that is not in {@code those}. */
  private static long only(Set<Long> these, Set<Long> those) {
    Set<Long> left = new TreeSet<>(these);
    left.removeAll(those);
    assertThat(left).as("pages of one commit's directory only").isNotEmpty();
    return left.iterator().next();
  }

  private void flipByte(long offset) throws IOException {
    FileDamage.flipByte(file, offset);
  }
}

package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.storage.FileStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PageFileRepair}: what recover and rollback choose, write and refuse, on real files. */
class PageFileRepairTest {
  private static final int PAGE = 4096;

  @TempDir Path dir;
  private Path file;
  private List<Long> allocated;
  private long generation;

  @BeforeEach
  void threeCommits() throws IOException {
    file = dir.resolve("pages.db");
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      pager.alloc();
      pager.alloc();
      pager.free(pager.alloc());
      allocated = indexes(pager);
      generation = pager.generation();
    }
  }

  /**
   * Open recovers the page size from the records when page 0 fails its CRC, but not when its
   * magic is gone: each of those 8 flips left a file with two intact copies refused as "not a page
   * file". Recover repairs every one of the 36 flips, and writes back the very superblock create
   * wrote.
   */
  @Test
  void recoverRepairsEverySingleByteFlipOfTheSuperblock() throws IOException {
    byte[] original = read(0, Format.SB_LENGTH);
    for (int offset = 0; offset < Format.SB_LENGTH; offset++) {
      flipByte(offset);
      boolean opened = opens();
      assertThat(opened).as("flip at %d: open refuses exactly the flips of the magic", offset).isEqualTo(offset >= 8);
      try (FileStorage storage = FileStorage.open(file, false)) {
        RepairPlan plan = PageFileRepair.planRecover(storage);
        assertThat(plan.superblockProblem()).as("flip at %d", offset).isPresent();
        assertThat(plan.resultGeneration()).isEqualTo(generation);
        assertThat(plan.actions()).singleElement().asString().startsWith("write a new superblock");
        plan.apply();
      }
      assertThat(read(0, Format.SB_LENGTH)).as("flip at %d", offset).isEqualTo(original);
      try (Pager pager = Pager.open(file)) {
        assertThat(pager.superblockRecovered()).isFalse();
        assertThat(pager.generation()).isEqualTo(generation);
        assertThat(indexes(pager)).isEqualTo(allocated);
      }
    }
  }

  @Test
  void recoverOfAWholeFileWritesNothing() throws IOException {
    byte[] before = read(0, 3 * PAGE);
    try (FileStorage storage = FileStorage.open(file, false)) {
      RepairPlan plan = PageFileRepair.planRecover(storage);
      assertThat(plan.writesNothing()).isTrue();
      assertThat(plan.actions()).isEmpty();
      plan.apply();
    }
    assertThat(read(0, 3 * PAGE)).isEqualTo(before);
  }

  @Test
  void recoverMakesTheOlderCopyTheNewestWhenTheNewestTreeRootIsDamaged() throws IOException {
    List<Long> before = allocatedAtAlternate();
    MetadataRecord newest = record(activeSlot());
    flipByte(newest.treeRoot * PAGE + 100);
    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      assertThat(pager.openedFromAlternate()).as("open falls back by itself, and says so every time").isTrue();
    }
    try (FileStorage storage = FileStorage.open(file, false)) {
      RepairPlan plan = PageFileRepair.planRecover(storage);
      assertThat(plan.chosenGeneration()).isEqualTo(generation - 1);
      assertThat(plan.resultGeneration()).isEqualTo(generation + 1);
      assertThat(plan.actions()).hasSize(2);
      assertThat(plan.actions().get(0)).contains("fails its checks").contains("generation " + generation);
      plan.apply();
    }
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.openedFromAlternate()).isFalse();
      assertThat(pager.generation()).isEqualTo(generation + 1);
      assertThat(indexes(pager)).isEqualTo(before);
      assertThat(pager.verify(fraction -> {}).problems()).isEmpty();
      pager.alloc(); // and it commits on from there
    }
  }

  @Test
  void rollbackMakesTheAlternateCurrentUnderANewGeneration() throws IOException {
    List<Long> before = allocatedAtAlternate();
    int newestSlot = activeSlot();
    byte[] alternateBytes = read((long) MetadataCopies.otherSlot(newestSlot) * PAGE, PAGE);
    try (FileStorage storage = FileStorage.open(file, false)) {
      RepairPlan plan = PageFileRepair.planRollback(storage);
      assertThat(plan.superblockProblem()).isEmpty();
      assertThat(plan.chosenGeneration()).isEqualTo(generation - 1);
      plan.apply();
    }
    assertThat(read((long) MetadataCopies.otherSlot(newestSlot) * PAGE, PAGE))
        .as("the alternate's own page is never written").isEqualTo(alternateBytes);
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.generation()).isEqualTo(generation + 1);
      assertThat(indexes(pager)).isEqualTo(before);
      assertThat(pager.verify(fraction -> {}).problems()).isEmpty();
    }
    try (FileStorage storage = FileStorage.open(file, false)) {
      assertThatThrownBy(() -> PageFileRepair.planRollback(storage))
          .isInstanceOf(RepairRefusedException.class)
          .hasMessageContaining("both copies hold the same commit");
    }
  }

  @Test
  void rollbackRefusesAFileWhoseSuperblockIsDamagedAndWritesNothing() throws IOException {
    flipByte(2);
    byte[] before = read(0, 3 * PAGE);
    try (FileStorage storage = FileStorage.open(file, false)) {
      assertThatThrownBy(() -> PageFileRepair.planRollback(storage))
          .isInstanceOf(RepairRefusedException.class)
          .hasMessageContaining("superblock is damaged")
          .hasMessageContaining("run recover first");
    }
    assertThat(read(0, 3 * PAGE)).isEqualTo(before);
  }

  @Test
  void rollbackRefusesADamagedAlternate() throws IOException {
    int alternate = MetadataCopies.otherSlot(activeSlot());
    flipByte((long) alternate * PAGE + Format.MD_FREE_COUNT);
    try (FileStorage storage = FileStorage.open(file, false)) {
      assertThatThrownBy(() -> PageFileRepair.planRollback(storage))
          .isInstanceOf(RepairRefusedException.class)
          .hasMessageContaining("no alternate to roll back to")
          .hasMessageContaining("checksum mismatch");
    }
  }

  @Test
  void rollbackRefusesAnAlternateWhoseTreeFailsItsChecks() throws IOException {
    MetadataRecord alternate = record(MetadataCopies.otherSlot(activeSlot()));
    flipByte(alternate.treeRoot * PAGE + 100);
    try (FileStorage storage = FileStorage.open(file, false)) {
      assertThatThrownBy(() -> PageFileRepair.planRollback(storage))
          .isInstanceOf(RepairRefusedException.class)
          .hasMessageContaining("fails its checks");
    }
  }

  /**
   * An alternate two commits old (here planted: the record of generation g - 2 in the alternate's
   * page) reaches the tree leaf that commit g - 1 replaced and commit g released: commit g may
   * have rewritten it. Rollback refuses, naming the page.
   */
  @Test
  void rollbackRefusesAnAlternateWhosePagesTheNewestCommitReleased() throws IOException {
    Path older = dir.resolve("older.db");
    byte[] twoBack;
    try (Pager pager = Pager.create(older, PagerOptions.defaults())) {
      pager.alloc();
      pager.alloc();
    }
    twoBack = readSlotOf(older);
    try (Pager pager = Pager.open(older)) {
      pager.alloc();
      pager.alloc();
    }
    int newest = PageFileInspection.inspect(older).activeSlot();
    try (FileChannel channel = FileChannel.open(older, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(twoBack), (long) MetadataCopies.otherSlot(newest) * PAGE);
    }
    try (FileStorage storage = FileStorage.open(older, false)) {
      assertThatThrownBy(() -> PageFileRepair.planRollback(storage))
          .isInstanceOf(RepairRefusedException.class)
          .hasMessageContaining("neither uses nor keeps pending");
    }
  }

  /**
   * The structure check sees each copy's own commit, read-only and pinned by the repair's writer
   * lock; when it fails the newest commit alone, recover prefers the older copy and says why.
   */
  @Test
  void recoverPrefersTheOlderCopyWhenOnlyTheNewestCommitsStructuresFail() throws IOException {
    List<Long> atAlternate = allocatedAtAlternate();
    Map<Long, List<Long>> seen = new TreeMap<>();
    List<Pager> views = new ArrayList<>();
    PageFileRepair.StructureCheck check = commit -> {
      views.add(commit);
      seen.put(commit.generation(), indexes(commit));
      assertThat(commit.isReadOnly()).isTrue();
      assertThat(commit.isRegisteredReader()).as("the repair's lock pins the commit").isTrue();
      assertThatThrownBy(() -> commit.page(commit.allocatedPages().getFirst()).putLong(0, 1)).isInstanceOf(ReadOnlyPagerException.class);
      return commit.generation() == generation ? List.of("slots 0-4: the index points nowhere") : List.of();
    };
    try (FileStorage storage = FileStorage.open(file, false)) {
      RepairPlan plan = PageFileRepair.planRecover(storage, check);
      assertThat(seen).containsOnlyKeys(generation, generation - 1);
      assertThat(seen.get(generation)).isEqualTo(allocated);
      assertThat(seen.get(generation - 1)).as("the older copy's own commit").isEqualTo(atAlternate);
      assertThat(views).hasSize(2).allSatisfy(view -> assertThatThrownBy(view::fileGeneration)
          .as("closed once checked").isInstanceOf(IllegalStateException.class));
      assertThat(plan.chosenGeneration()).isEqualTo(generation - 1);
      RepairPlan.CopyState newest = plan.copies().get(activeSlot() - 1);
      assertThat(newest.treeVerified()).isTrue();
      assertThat(newest.structuresVerified()).isFalse();
      assertThat(newest.problems()).containsExactly("slots 0-4: the index points nowhere");
      assertThat(plan.copies().get(2 - activeSlot()).structuresVerified()).isTrue();
      assertThat(plan.actions().get(0))
          .contains("generation " + generation + "), has a free-space tree that verifies but structures that do not:"
              + " slots 0-4: the index points nowhere")
          .contains("recover prefers copy " + PageFileOpener.slotName(MetadataCopies.otherSlot(activeSlot())));
      plan.apply(); // the views borrowed the storage: closing them left it open
    }
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.generation()).isEqualTo(generation + 1);
      assertThat(indexes(pager)).isEqualTo(atAlternate);
    }
  }

  @Test
  void whenNoCopysStructuresVerifyRecoverKeepsTheNewestCopyWhoseTreeDoesAndSaysSo() throws IOException {
    byte[] before = read(0, 3 * PAGE);
    try (FileStorage storage = FileStorage.open(file, false)) {
      RepairPlan plan = PageFileRepair.planRecover(storage, commit -> List.of("slots 0-4: damaged"));
      assertThat(plan.chosenGeneration()).isEqualTo(generation);
      assertThat(plan.writesNothing()).isTrue();
      assertThat(plan.actions()).singleElement().asString()
          .startsWith("no metadata copy's structures verify: copy ")
          .contains("a repair rewrites metadata, not structures")
          .endsWith("slots 0-4: damaged");
      plan.apply();
    }
    assertThat(read(0, 3 * PAGE)).isEqualTo(before);
  }

  @Test
  void aStructureCheckThatThrowsFailsItsCommit() throws IOException {
    try (FileStorage storage = FileStorage.open(file, false)) {
      RepairPlan plan = PageFileRepair.planRecover(storage, commit -> {
        if (commit.generation() == generation) {
          throw new CorruptPageFileException("the store's root page is unreadable");
        }
        return List.of();
      });
      assertThat(plan.chosenGeneration()).isEqualTo(generation - 1);
      assertThat(plan.copies().get(activeSlot() - 1).problems())
          .containsExactly("its structures could not be checked: the store's root page is unreadable");
    }
  }

  @Test
  void rollbackRefusesAnAlternateWhoseStructuresFail() throws IOException {
    byte[] before = read(0, 3 * PAGE);
    try (FileStorage storage = FileStorage.open(file, false)) {
      assertThatThrownBy(() -> PageFileRepair.planRollback(storage,
              commit -> commit.generation() == generation - 1 ? List.of("slots 0-4: damaged") : List.of()))
          .isInstanceOf(RepairRefusedException.class)
          .hasMessageContaining("generation " + (generation - 1) + "), fails its checks")
          .hasMessageContaining("slots 0-4: damaged");
    }
    assertThat(read(0, 3 * PAGE)).isEqualTo(before);
  }

  @Test
  void bothRefuseWhileAWriterHoldsTheFile() throws IOException {
    try (Pager writer = Pager.open(file);
        FileStorage storage = FileStorage.open(file, false)) {
      assertThatThrownBy(() -> PageFileRepair.planRecover(storage)).isInstanceOf(PageFileLockedException.class);
      assertThatThrownBy(() -> PageFileRepair.planRollback(storage)).isInstanceOf(PageFileLockedException.class);
      writer.alloc();
    }
  }

  private byte[] readSlotOf(Path path) throws IOException {
    int slot = PageFileInspection.inspect(path).activeSlot();
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      ByteBuffer page = ByteBuffer.allocate(PAGE);
      channel.read(page, (long) slot * PAGE);
      return page.array();
    }
  }

  private boolean opens() throws IOException {
    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      return pager.generation() == generation;
    } catch (NotAPageFileException e) {
      return false;
    }
  }

  private int activeSlot() throws IOException {
    return PageFileInspection.inspect(file).activeSlot();
  }

  private MetadataRecord record(int slot) throws IOException {
    return MetadataRecord.decode(
        MetadataRecord.copyOf(java.lang.foreign.MemorySegment.ofArray(read((long) slot * PAGE, PAGE)), "test", slot),
        PAGE);
  }

  /** The pages allocated at the alternate copy's commit, read through a pager over a copy of the file. */
  private List<Long> allocatedAtAlternate() throws IOException {
    Path copy = dir.resolve("alternate-view.db");
    java.nio.file.Files.copy(file, copy);
    int newest = PageFileInspection.inspect(copy).activeSlot();
    try (FileChannel channel = FileChannel.open(copy, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.allocate(PAGE), (long) newest * PAGE); // as if the newest record never was
    }
    try (Pager pager = Pager.open(copy, PagerOptions.defaults().withReadOnly(true))) {
      assertThat(pager.generation()).isEqualTo(generation - 1);
      return indexes(pager);
    }
  }

  private byte[] read(long offset, int length) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer bytes = ByteBuffer.allocate(length);
      channel.read(bytes, offset);
      return bytes.array();
    }
  }

  private void flipByte(long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, offset);
      one.put(0, (byte) (one.get(0) ^ 0x5A));
      one.rewind();
      channel.write(one, offset);
    }
  }

  private static List<Long> indexes(Pager pager) throws IOException {
    List<Long> out = new ArrayList<>();
    for (PageId id : pager.allocatedPages()) {
      out.add(id.index());
    }
    return out;
  }
}

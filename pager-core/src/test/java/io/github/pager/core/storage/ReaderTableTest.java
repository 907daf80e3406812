package io.github.pager.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader table's bytes, as FORMAT.md "The lock file" lists them, and its slots within one JVM
 * (the kernel's side, readers in other processes and their death, is tested with real processes
 * in the test kit).
 */
class ReaderTableTest {
  @TempDir Path dir;
  private Path data;
  private Path lockFile;

  @BeforeEach
  void someFile() throws IOException {
    data = Files.write(dir.resolve("pages.db"), new byte[4096]);
    lockFile = dir.resolve("pages.db-lock");
  }

  @Test
  void aNewTableHoldsTheDocumentedHeaderAndEachSlotItsGenerationAndProcess() throws IOException {
    int before = SharedLockFile.openCount();
    try (FileStorage storage = FileStorage.open(data, true)) {
      ReaderTable table = Objects.requireNonNull(storage.readerTable());
      assertThat(lockFile).as("a reader creates the lock file").exists();
      ByteBuffer bytes = lockFileBytes();
      assertThat(bytes.limit()).isEqualTo(4096);
      assertThat(bytes.getInt(0)).as("magic, ASCII PGLK").isEqualTo(0x4B4C4750);
      assertThat(new String(new byte[] {bytes.get(0), bytes.get(1), bytes.get(2), bytes.get(3)}, StandardCharsets.US_ASCII))
          .isEqualTo("PGLK");
      assertThat(bytes.getShort(4)).as("version").isEqualTo((short) 1);
      assertThat(bytes.getShort(6)).as("slot count").isEqualTo((short) 126);
      assertThat(table.capacity()).isEqualTo(126);

      ReaderTable.Slot second = Objects.requireNonNull(table.tryTake());
      try (ReaderTable.Slot first = Objects.requireNonNull(table.tryTake())) {
        first.publish(42);
        second.publish(0x0102030405060708L);
        bytes = lockFileBytes();
        assertThat(bytes.getLong(64 + 32 * first.index())).isEqualTo(42);
        assertThat(bytes.getLong(64 + 32 * first.index() + 8)).isEqualTo(ProcessHandle.current().pid());
        assertThat(bytes.getLong(64 + 32 * second.index())).isEqualTo(0x0102030405060708L);
        assertThat(bytes.getLong(64 + 32 * first.index() + 16)).as("reserved").isZero();
        assertThat(bytes.getLong(64 + 32 * first.index() + 24)).as("reserved").isZero();
        second.close();
        assertThat(lockFileBytes().getLong(64 + 32 * second.index())).as("a closed slot publishes nothing").isZero();
      }
    }
    assertThat(SharedLockFile.openCount()).as("the table's channel closed with its last user").isEqualTo(before);
  }

  /**
   * The compaction lock is a byte range of its own: held, it says a compaction runs, to this JVM's
   * probes as to other processes'; it keeps no slot from being taken, changes no byte of the file,
   * and a second compaction cannot take it.
   */
  @Test
  void theCompactionLockTellsReadersThatACompactionRunsAndChangesNoByte() throws IOException {
    int before = SharedLockFile.openCount();
    try (FileStorage storage = FileStorage.open(data, true)) {
      ReaderTable table = Objects.requireNonNull(storage.readerTable());
      byte[] bytes = Files.readAllBytes(lockFile);
      assertThat(table.compactionRunning()).isFalse();
      try (ReaderTable.CompactionLock lock = Objects.requireNonNull(table.lockForCompaction())) {
        assertThat(table.compactionRunning()).isTrue();
        assertThat(table.lockForCompaction()).as("one compaction at a time").isNull();
        assertThat(Files.readAllBytes(lockFile)).isEqualTo(bytes);
        try (ReaderTable.Slot slot = table.tryTake()) {
          assertThat(slot).as("the lock leaves the slots alone").isNotNull();
        }
        lock.close();
        assertThat(table.compactionRunning()).as("closed").isFalse();
      }
    }
    assertThat(SharedLockFile.openCount()).as("the lock counted as a user of the channel, and let it go").isEqualTo(before);
  }

  @Test
  void theCensusCountsLiveSlotsThatPublishAndLeavesOutTheCallersOwn() throws IOException {
    try (FileStorage storage = FileStorage.open(data, true)) {
      ReaderTable table = Objects.requireNonNull(storage.readerTable());
      assertThat(table.readers(null)).isEqualTo(new ReaderTable.Census(0, Long.MAX_VALUE));
      ReaderTable.Slot older = Objects.requireNonNull(table.tryTake());
      try (ReaderTable.Slot newer = Objects.requireNonNull(table.tryTake());
          ReaderTable.Slot silent = Objects.requireNonNull(table.tryTake())) {
        older.publish(5);
        newer.publish(7);
        assertThat(silent.published()).as("registering, not yet publishing").isZero();
        assertThat(table.readers(null)).isEqualTo(new ReaderTable.Census(2, 5));
        assertThat(table.readers(older)).isEqualTo(new ReaderTable.Census(1, 7));
        assertThat(table.readersReclaimingDead())
            .as("slots held in this JVM are live to its writer too").isEqualTo(new ReaderTable.Census(2, 5));
        assertThat(table.oldestLiveGeneration()).isEqualTo(5);
        older.close();
        assertThat(table.readers(null)).isEqualTo(new ReaderTable.Census(1, 7));
        assertThat(table.oldestLiveGeneration()).isEqualTo(7);
      }
      assertThat(table.readers(null)).isEqualTo(new ReaderTable.Census(0, Long.MAX_VALUE));
      assertThat(table.oldestLiveGeneration()).isEqualTo(Long.MAX_VALUE);
    }
  }

  @Test
  void aFullTableHasNoSlotUntilOneIsGivenBack() throws IOException {
    try (FileStorage storage = FileStorage.open(data, true)) {
      ReaderTable table = Objects.requireNonNull(storage.readerTable());
      List<ReaderTable.Slot> slots = new ArrayList<>();
      try {
        for (int i = 0; i < ReaderTable.SLOT_COUNT; i++) {
          slots.add(Objects.requireNonNull(table.tryTake(), "slot " + i));
        }
        assertThat(table.tryTake()).isNull();
        ReaderTable.Slot given = slots.remove(17);
        int index = given.index();
        given.close();
        ReaderTable.Slot again = Objects.requireNonNull(table.tryTake());
        slots.add(again);
        assertThat(again.index()).isEqualTo(index);
      } finally {
        for (ReaderTable.Slot slot : slots) {
          slot.close();
        }
      }
    }
  }

  @Test
  void aLockFileOfAnotherKindIsRefusedByNameAndLeftAsItWas() throws IOException {
    int before = SharedLockFile.openCount();
    byte[] foreign = "not a lock file at all, just some text ".repeat(120).getBytes(StandardCharsets.US_ASCII);
    Files.write(lockFile, foreign);
    try (FileStorage storage = FileStorage.open(data, true)) {
      assertThatThrownBy(storage::readerTable)
          .isInstanceOf(LockFileFormatException.class)
          .hasMessageContaining(lockFile.toRealPath().toString())
          .hasMessageContaining("not a lock file of this library");
    }
    assertThat(Files.readAllBytes(lockFile)).isEqualTo(foreign);
    assertThat(SharedLockFile.openCount()).isEqualTo(before);

    ByteBuffer newer = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
    newer.putInt(0, 0x4B4C4750).putShort(4, (short) 2).putShort(6, (short) 500);
    Files.write(lockFile, newer.array());
    try (FileStorage storage = FileStorage.open(data, false)) {
      assertThatThrownBy(storage::readerTable)
          .isInstanceOf(LockFileFormatException.class)
          .hasMessageContaining("version 2 with 500 slots");
    }
  }

  @Test
  void aLockFileThatCannotBeOpenedLeavesAReaderWithoutATableAndFailsAWriter() throws IOException {
    // Tests run as root here, so a read-only directory would not stop us; a directory in the
    // lock file's place does.
    Files.createDirectory(lockFile);
    int before = SharedLockFile.openCount();
    try (FileStorage reader = FileStorage.open(data, true)) {
      assertThat(reader.readerTable()).isNull();
    }
    try (FileStorage writer = FileStorage.open(data, false)) {
      assertThatThrownBy(writer::readerTable)
          .isInstanceOf(LockFileUnavailableException.class)
          .hasMessageContaining(lockFile.toRealPath().toString());
    }
    assertThat(SharedLockFile.openCount()).isEqualTo(before);
  }

  @Test
  void anEmptyLockFileOfAnEarlierBuildGetsItsTable() throws IOException {
    Files.createFile(lockFile);
    try (FileStorage writer = FileStorage.open(data, false)) {
      assertThat(writer.tryLockForWriting()).isTrue();
      assertThat(Objects.requireNonNull(writer.readerTable()).readersReclaimingDead().live()).isZero();
    }
    assertThat(lockFileBytes().getLong(0)).isEqualTo(ReaderTable.LOCK_HEADER_VALUE);
  }

  /**
   * Reads the lock file through a descriptor of its own. Closing it drops this process's kernel
   * locks on the file (the trap {@link SharedLockFile} exists for); the JVM's own lock table,
   * which is all that decides between slots of one JVM, keeps them, so tests here may look.
   */
  private ByteBuffer lockFileBytes() throws IOException {
    return ByteBuffer.wrap(Files.readAllBytes(lockFile)).order(ByteOrder.LITTLE_ENDIAN);
  }
}

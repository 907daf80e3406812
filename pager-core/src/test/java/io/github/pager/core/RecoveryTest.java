package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.storage.FileStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per recovery path of open: which copy it trusts, and what it refuses. */
class RecoveryTest {
  private static final int PAGE = 4096;

  @TempDir Path dir;
  private Path file;

  /** Pages allocated by the first and second commit of {@link #twoCommits()}. */
  private long first;

  private long second;

  @BeforeEach
  void twoCommits() throws IOException {
    file = dir.resolve("pages.db");
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      first = pager.alloc().index();
      second = pager.alloc().index();
    }
  }

  /** The metadata copy the newest commit wrote. */
  private int activeSlot() throws IOException {
    return PageFileInspection.inspect(file).activeSlot();
  }

  @Test
  void aCleanFileOpensOnTheActiveCopyWithEveryCommit() throws IOException {
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.openedFromAlternate()).isFalse();
      assertThat(indexes(pager)).containsExactly(first, second);
    }
  }

  @Test
  void aNewestCopyThatFailsItsChecksumIsACommitThatNeverHappenedAndTheOtherCopyIsUsed() throws IOException {
    // A torn record and a rotted one look the same; either way the older copy is whole.
    flipByte((long) activeSlot() * PAGE + Format.MD_FREE_COUNT);
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.openedFromAlternate()).isFalse();
      assertThat(indexes(pager)).containsExactly(first);
      assertThat(pager.verify().isClean()).isTrue();
      // The next commit overwrites the bad copy; after it the file is healthy again.
      pager.alloc();
    }
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.openedFromAlternate()).isFalse();
      assertThat(indexes(pager)).hasSize(2).contains(first);
      assertThat(pager.verify().isClean()).isTrue();
    }
  }

  @Test
  void aCorruptAlternateCopyDoesNotMatter() throws IOException {
    flipByte((long) (3 - activeSlot()) * PAGE + Format.MD_PAGE_COUNT);
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.openedFromAlternate()).isFalse();
      assertThat(indexes(pager)).containsExactly(first, second);
    }
  }

  @Test
  void aCorruptSuperblockLosesNothingTheMetadataCopiesNameThePageSize() throws IOException {
    flipByte(Format.SB_PAGE_SIZE_LOG2);
    byte[] damaged = Files.readAllBytes(file);
    try (Pager reader = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      assertThat(reader.superblockRecovered()).isTrue();
      assertThat(reader.pageSize()).isEqualTo(PAGE);
      assertThat(indexes(reader)).containsExactly(first, second);
    }
    assertThat(Files.readAllBytes(file)).as("a read-only open writes nothing").isEqualTo(damaged);
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.superblockRecovered()).isTrue();
      assertThat(indexes(pager)).containsExactly(first, second);
      pager.alloc(); // the next commit writes page 0 again
    }
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.superblockRecovered()).isFalse();
      assertThat(indexes(pager)).hasSize(3).contains(first, second);
    }
  }

  @Test
  void aCorruptTreeRootUnderTheActiveCopyFallsBackToTheAlternate() throws IOException {
    long root = readLong((long) activeSlot() * PAGE + Format.MD_TREE_ROOT);
    flipByte(root * PAGE + Format.NODE_BODY + 100);
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.openedFromAlternate()).isTrue();
      assertThat(indexes(pager)).containsExactly(first);
      assertThat(pager.verify().isClean()).isTrue();
    }
  }

  @Test
  void bothCopiesBadIsAClearErrorAndTheFileIsLeftAlone() throws IOException {
    flipByte(PAGE + Format.MD_GENERATION);
    flipByte(2L * PAGE + Format.MD_GENERATION);
    assertRejectedUntouched(() -> Pager.open(file), CorruptMetadataException.class, "no usable metadata");
  }

  @Test
  void aCorruptSuperblockWithNoValidMetadataCopyIsRefused() throws IOException {
    flipByte(Format.SB_PAGE_SIZE_LOG2);
    flipByte(PAGE + Format.MD_GENERATION);
    flipByte(2L * PAGE + Format.MD_GENERATION);
    assertRejectedUntouched(() -> Pager.open(file), CorruptSuperblockException.class, "checksum");
  }

  @Test
  void aTruncatedFileIsRefused() throws IOException {
    try (Pager pager = Pager.open(file)) {
      pager.allocBulk(40); // grows the file past its initial 16 pages
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(20L * PAGE);
    }
    assertRejectedUntouched(() -> Pager.open(file), TruncatedPageFileException.class, "truncated");
  }

  @Test
  void aFileTooShortForItsFixedPagesIsRefused() throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(2L * PAGE);
    }
    assertRejectedUntouched(() -> Pager.open(file), TruncatedPageFileException.class, "truncated");
  }

  @Test
  void theWrongPageSizeIsRefused() throws IOException {
    assertRejectedUntouched(
        () -> Pager.open(file, PagerOptions.defaults().withPageSize(8192)),
        PageSizeMismatchException.class,
        "page size 4096");
  }

  @Test
  void aForeignFileIsRefused() throws IOException {
    Path foreign = dir.resolve("foreign.txt");
    Files.writeString(foreign, "just some text, long enough to be read as a superblock if it were one".repeat(20));
    file = foreign;
    assertRejectedUntouched(() -> Pager.open(foreign), NotAPageFileException.class, "not a page file");
    Path empty = dir.resolve("empty");
    Files.createFile(empty);
    file = empty;
    assertRejectedUntouched(() -> Pager.open(empty), NotAPageFileException.class, "0 bytes");
    // A writer's lock would create a lock file; a file that is not a page file gets none.
    assertThat(dir.resolve("foreign.txt-lock")).doesNotExist();
    assertThat(dir.resolve("empty-lock")).doesNotExist();
  }

  @Test
  void aFutureFormatVersionIsRefused() throws IOException {
    writeSuperblockField(Format.SB_FORMAT_VERSION, Format.FORMAT_VERSION + 1);
    assertRejectedUntouched(
        () -> Pager.open(file), UnsupportedFormatVersionException.class, "format version " + (Format.FORMAT_VERSION + 1));
  }

  @Test
  void aVersionOneFileIsRefusedWithItsReason() throws IOException {
    writeSuperblockField(Format.SB_FORMAT_VERSION, 1);
    assertRejectedUntouched(() -> Pager.open(file), UnsupportedFormatVersionException.class, "format version 1");
  }

  @Test
  void aVersionTwoFileIsRefusedWithItsReason() throws IOException {
    writeSuperblockField(Format.SB_FORMAT_VERSION, 2);
    assertRejectedUntouched(() -> Pager.open(file), UnsupportedFormatVersionException.class, "no pending list");
  }

  private static List<Long> indexes(Pager pager) throws IOException {
    return pager.allocatedPages().stream().map(PageId::index).toList();
  }

  private void assertRejectedUntouched(
      ThrowingCallable open, Class<? extends Throwable> type, String messagePart) throws IOException {
    byte[] before = Files.readAllBytes(file);
    Files.setLastModifiedTime(file, FileTime.fromMillis(1_000_000_000_000L));
    assertThatThrownBy(open).isInstanceOf(type).hasMessageContaining(messagePart).hasMessageContaining(file.toString());
    assertThat(Files.readAllBytes(file)).as("a rejected file is never written").isEqualTo(before);
    assertThat(Files.getLastModifiedTime(file).toMillis()).isEqualTo(1_000_000_000_000L);
    // And it was closed: no writer holds it now.
    assertThat(FileStorage.isLockedForWriting(file)).isFalse();
  }

  private void flipByte(long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, offset);
      one.flip();
      one.put(0, (byte) (one.get(0) ^ 0x10));
      channel.write(one, offset);
    }
  }

  private int readInt(long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(b, offset);
      return b.getInt(0);
    }
  }

  private long readLong(long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(b, offset);
      return b.getLong(0);
    }
  }

  /** Changes a superblock field and re-seals the superblock's own CRC, as a valid writer would. */
  private void writeSuperblockField(int offset, int value) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer sector = ByteBuffer.allocate(Format.SB_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(sector, 0);
      sector.putInt(offset, value);
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      crc.update(sector.array(), 0, Format.SB_CRC);
      sector.putInt(Format.SB_CRC, (int) crc.getValue());
      sector.rewind();
      channel.write(sector, 0);
    }
  }
}

package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.pager.core.storage.FileStorage;
import io.github.pager.core.storage.ForwardingStorage;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pages that cannot be read, made for real: a file cut short under a live mapping, whose pages
 * past the cut then raise {@code SIGBUS} on access, as pages on a failing disk do.
 *
 * <p>Checked on Temurin 25.0.3 (Linux x86-64): an access past the cut throws {@code
 * InternalError("a fault occurred in an unsafe memory access operation")} and the JVM goes on;
 * in C2-compiled code the error arrives late, at the next safepoint poll (see {@link PageFaults}).
 */
class UnreadablePageTest {
  private static final int PAGE = 4096;
  private static final String FAULT = "a fault occurred in an unsafe memory access operation";

  @TempDir Path dir;

  @Test
  void anAccessPastACutFaultsWithInternalErrorAndTheJvmGoesOn() throws IOException {
    Path path = dir.resolve("cut");
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        Arena arena = Arena.ofShared()) {
      channel.write(ByteBuffer.allocate(4 * PAGE), 0);
      MemorySegment mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, 4 * PAGE, arena);
      mapped.set(ValueLayout.JAVA_LONG, 0, 7);
      channel.truncate(2 * PAGE);
      assertThatThrownBy(() -> mapped.get(ValueLayout.JAVA_LONG, 3L * PAGE))
          .isInstanceOf(InternalError.class)
          .hasMessage(FAULT);
      assertThat(mapped.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(7);
    }
  }

  /**
   * The pager's own copies name the page even once the JIT has compiled them, where a bare catch
   * around the access misses the error (it is raised after the access).
   */
  @Test
  void theOwnPageCopyNamesThePageAlsoInCompiledCode() throws IOException {
    Path path = dir.resolve("hot");
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        Arena arena = Arena.ofShared()) {
      channel.write(ByteBuffer.allocate(8 * PAGE), 0);
      MemorySegment mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, 8 * PAGE, arena);
      byte[] into = new byte[PAGE];
      // Enough calls for C2 to compile the copy (each fault is a signal, so the faulting loop is short).
      for (int i = 0; i < 200_000; i++) {
        PageFaults.read(mapped, (long) (i % 4) * PAGE, into, PAGE, "hot", i % 4, "warm-up");
      }
      channel.truncate(4 * PAGE);
      for (int i = 0; i < 2_000; i++) {
        long page = 4 + i % 4;
        UnreadablePageException failure = catchThrowableOfType(
            UnreadablePageException.class, () -> PageFaults.read(mapped, page * PAGE, into, PAGE, "hot", page, "node"));
        assertThat(failure.page()).isEqualTo(page);
      }
      UnreadablePageException failure = catchThrowableOfType(
          UnreadablePageException.class, () -> PageFaults.read(mapped, 5L * PAGE, into, PAGE, "hot", 5, "tree node"));
      assertThat(failure).hasMessage("hot: page 5 (tree node) cannot be read: the storage failed the access (" + FAULT + ")");
      assertThat(failure.getCause()).isInstanceOf(InternalError.class);
    }
  }

  /**
   * A file storage that cuts its file short right after open mapped all of it (its third map: the
   * first two map the superblock and the head), and keeps reporting the old length.
   */
  private static final class CutAfterMapping extends ForwardingStorage {
    private final Path path;
    private final long cut;
    private final long size;
    private int maps;

    CutAfterMapping(Storage delegate, Path path, long cut) throws IOException {
      super(delegate);
      this.path = path;
      this.cut = cut;
      this.size = delegate.size();
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public MemorySegment map(long offset, long length) throws IOException {
      MemorySegment segment = super.map(offset, length);
      if (++maps == 3) {
        assertThat(offset + length).isEqualTo(size);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
          channel.truncate(cut);
        }
      }
      return segment;
    }
  }

  private record Written(Path path, long older, long newer, long firstUserPage) {}

  /** Creates a file with two allocating commits; returns the tree roots of generations 2 and 3. */
  private Written twoCommits() throws IOException {
    Path path = dir.resolve("pages");
    long first;
    try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
      first = pager.alloc().index();
      pager.alloc();
    }
    PageFileInspection inspection = PageFileInspection.inspect(path);
    PageFileInspection.MetadataCopy newest = inspection.copy(inspection.activeSlot());
    PageFileInspection.MetadataCopy older = inspection.copy((int) MetadataCopies.otherSlot(inspection.activeSlot()));
    assertThat(newest.generation()).isEqualTo(3);
    assertThat(older.treeRoot()).as("the layout this test relies on").isLessThan(newest.treeRoot());
    assertThat(first).isLessThan(newest.treeRoot());
    return new Written(path, older.treeRoot(), newest.treeRoot(), first);
  }

  @Test
  void anUnreadableNewestTreeRootOnARealFileFallsBackToTheCommitBefore() throws IOException {
    Written file = twoCommits();
    Storage storage = new CutAfterMapping(FileStorage.open(file.path(), false), file.path(), file.newer() * PAGE);
    try (Pager pager = Pager.open(storage, PagerOptions.defaults())) {
      assertThat(pager.openedFromAlternate()).isTrue();
      assertThat(pager.generation()).isEqualTo(2);
      assertThat(pager.page(pager.pageId(file.firstUserPage())).getLong(0)).isZero();
      assertThatThrownBy(() -> pager.page(pager.pageId(file.newer())).getLong(0)).isInstanceOf(InternalError.class);
    }
  }

  @Test
  void bothTreeRootsUnreadableOnARealFileIsRefusedNamingThePage() throws IOException {
    Written file = twoCommits();
    Storage storage = new CutAfterMapping(FileStorage.open(file.path(), false), file.path(), file.older() * PAGE);
    UnreadablePageException refused = catchThrowableOfType(
        UnreadablePageException.class, () -> Pager.open(storage, PagerOptions.defaults()).close());
    assertThat(refused.page()).isIn(file.older(), file.newer());
    assertThat(refused).hasMessageContaining("no usable metadata").hasMessageContaining("cannot be read");
  }
}

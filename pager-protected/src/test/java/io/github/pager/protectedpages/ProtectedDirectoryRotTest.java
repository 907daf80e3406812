package io.github.pager.protectedpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.CorruptPageFileException;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rot in a node below the root of the protected directory, on a real file: two bits flipped in a
 * directory leaf of a tree of height 2 (1 KiB pages, ids past the first leaf). Every read of an id
 * that leaf holds must report corruption, naming the node's page; every other id must still read
 * its own content; and the layer's verification must report the node.
 */
class ProtectedDirectoryRotTest {
  private static final int BASE = 6;
  private static final int PAGE_SIZE = 1024;
  private static final int RECORD_SIZE = 32;
  private static final int COUNT = 70;

  /** Records per directory leaf: the body after the 16-byte node header (FORMAT.md). */
  private static final int RECORDS_PER_LEAF = (PAGE_SIZE - 16) / RECORD_SIZE;

  @TempDir Path dir;

  @Test
  void aRottedDirectoryLeafIsReportedForEveryIdItHoldsAndNoWrongDataIsReturned() throws IOException {
    Path file = dir.resolve("rot.db");
    PagerOptions options = PagerOptions.defaults().withPageSize(PAGE_SIZE);
    long leaf;
    try (Pager pager = Pager.create(file, options)) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      try (ProtectedTransaction tx = pages.begin()) {
        for (ProtectedPageId id : tx.allocBulk(COUNT)) {
          tx.write(id).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, content(id.value()));
        }
        tx.commit();
      }
      assertThat(ProtectedCrashTest.directoryHeight(pager, BASE)).as("directory height").isGreaterThanOrEqualTo(2);
      Set<Long> nodes = pager.readArray(BASE + 1, RECORD_SIZE).nodePages();
      long root = pager.root(BASE + 1);
      assertThat(nodes).contains(root).hasSizeGreaterThanOrEqualTo(3);
      leaf = leafOfIndex(file, nodes, root, 1);
    }

    flipTwoBits(file, leaf * PAGE_SIZE + 16 + 5L * RECORD_SIZE + 8);

    try (Pager pager = Pager.open(file, options)) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      List<Long> reported = new ArrayList<>();
      for (long value = 0; value < COUNT; value++) {
        boolean inRottedLeaf = value / RECORDS_PER_LEAF == 1;
        long id = value;
        if (inRottedLeaf) {
          assertThatThrownBy(() -> pages.get(pages.handle(id)))
              .as("protected page %d, held by the rotted leaf", id)
              .isInstanceOf(CorruptPageFileException.class)
              .hasMessageContaining("page " + leaf);
          reported.add(id);
        } else {
          byte[] bytes = pages.get(pages.handle(id));
          assertThat(MemorySegment.ofArray(bytes).get(ValueLayout.JAVA_LONG_UNALIGNED, 0))
              .as("protected page %d, in an intact leaf", id)
              .isEqualTo(content(id));
        }
      }
      assertThat(reported).hasSize(RECORDS_PER_LEAF);
      assertThatThrownBy(pages::verify)
          .as("the layer's verification")
          .isInstanceOf(CorruptPageFileException.class)
          .hasMessageContaining("page " + leaf);
    }
  }

  private static long content(long id) {
    return 0x5EED_0000L + id * 31;
  }

  /** Finds the directory node of level 0 and {@code index} among {@code nodes}, by its header. */
  private static long leafOfIndex(Path file, Set<Long> nodes, long root, long index) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      for (long page : nodes) {
        if (page == root) {
          continue;
        }
        ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        channel.read(header, page * PAGE_SIZE);
        if (header.getInt(4) == 0 && header.getLong(8) == index) {
          return page;
        }
      }
    }
    throw new AssertionError("no directory leaf of index " + index + " among " + nodes);
  }

  /** Flips two bits of the byte at {@code offset}, behind the pager's back. */
  private static void flipTwoBits(Path file, long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, offset);
      one.put(0, (byte) (one.get(0) ^ 0b0010_0100));
      channel.write(one.rewind(), offset);
      channel.force(false);
    }
  }
}

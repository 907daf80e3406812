package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lean read path, {@link PageReader}: the same bytes as a page's view, and the same refusals. */
class PageReaderTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("pages.db");
  }

  @Test
  void readsWhatAPageViewWroteAtEveryWidthUpToThePagesLastByte() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      PageReader reader = pager.reader();
      int size = reader.pageSize();
      assertThat(size).isEqualTo(pager.pageSize());
      PageId id = pager.alloc();
      MappedPage page = pager.page(id);
      page.putLong(0, 0x0102_0304_0506_0708L);
      page.putLong(size - 8, -2L);
      page.putInt(13, 0xCAFE_BABE);
      page.putShort(101, (short) 0xBEEF);
      page.putByte(size - 1, (byte) 0x7F);
      page.write(200, "hello".getBytes(StandardCharsets.US_ASCII), 0, 5);

      long i = id.index();
      assertThat(reader.getLong(i, 0)).isEqualTo(0x0102_0304_0506_0708L);
      assertThat(reader.getByte(i, 0)).as("little-endian").isEqualTo((byte) 0x08);
      assertThat(reader.getLong(i, size - 8)).isEqualTo(page.getLong(size - 8));
      assertThat(reader.getInt(i, 13)).isEqualTo(0xCAFE_BABE);
      assertThat(reader.getShort(i, 101)).isEqualTo((short) 0xBEEF).isEqualTo(page.getShort(101));
      assertThat(reader.getByte(i, size - 1)).isEqualTo((byte) 0x7F);
      byte[] bytes = new byte[7];
      reader.read(i, 200, bytes, 1, 5);
      assertThat(new String(bytes, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("hello");
    }
  }

  @Test
  void refusesWhatPageByIndexRefusesExceptThePagersOwnPages() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      PageReader reader = pager.reader();
      long page = pager.alloc().index();
      int size = reader.pageSize();
      long count = pager.pageCount();
      assertThatThrownBy(() -> reader.getLong(count, 0))
          .isInstanceOf(PageOutOfBoundsException.class)
          .hasMessageContaining("page " + count);
      assertThatThrownBy(() -> reader.getLong(Long.MAX_VALUE, 0)).isInstanceOf(PageOutOfBoundsException.class);
      for (long reserved = 0; reserved < Format.FIRST_DATA_PAGE; reserved++) {
        long r = reserved;
        assertThatThrownBy(() -> reader.getLong(r, 0)).isInstanceOf(ReservedPageException.class);
      }
      assertThatThrownBy(() -> reader.getLong(-1, 0)).isInstanceOf(ReservedPageException.class);
      assertThatThrownBy(() -> reader.getLong(page, size - 7)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> reader.getLong(page, -1)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> reader.getInt(page, size - 3)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> reader.getShort(page, size - 1)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> reader.getByte(page, size)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> reader.read(page, size - 4, new byte[8], 0, 8))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> reader.read(page, 0, new byte[8], 4, 8)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> reader.read(page, 0, new byte[8], 0, -1)).isInstanceOf(IndexOutOfBoundsException.class);

      // A free-space tree node is read, not refused (see the class comment): page(long) refuses it.
      long treeNode = firstTreeNode(pager);
      assertThat(reader.getLong(treeNode, 0)).isEqualTo(pager.pageForReading(treeNode).getLong(0));
    }
  }

  /** The lowest page that {@link Pager#page(long)} refuses as one of the pager's own. */
  private static long firstTreeNode(Pager pager) {
    for (long i = Format.FIRST_DATA_PAGE; i < pager.pageCount(); i++) {
      try {
        pager.page(i);
      } catch (ReservedPageException e) {
        return i;
      }
    }
    throw new AssertionError("no free-space tree node below the page count");
  }

  @Test
  void aReaderTakenBeforeTheFileGrewReadsTheNewPages() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults().withInitialPageCount(16))) {
      PageReader reader = pager.reader();
      long countBefore = pager.pageCount();
      List<PageId> ids = pager.allocBulk(1000);
      assertThat(pager.pageCount()).isGreaterThan(countBefore);
      for (PageId id : ids) {
        pager.page(id).putLong(8, id.index() * 3);
      }
      for (PageId id : ids) {
        assertThat(reader.getLong(id.index(), 8)).isEqualTo(id.index() * 3);
      }
    }
  }

  @Test
  void everyReadAfterCloseThrowsAndNoneTouchesTheUnmappedMemory() throws IOException {
    Pager pager = Pager.create(file(), PagerOptions.defaults());
    PageReader reader = pager.reader();
    long page = pager.alloc().index();
    pager.page(page).putLong(0, 5);
    assertThat(reader.getLong(page, 0)).isEqualTo(5);
    pager.close();
    // The fast path (a page in the reader's span) and the slow one (a page past it) alike.
    assertThatThrownBy(() -> reader.getLong(page, 0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> reader.getInt(page, 0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> reader.read(page, 0, new byte[4], 0, 4)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> reader.getLong(1L << 40, 0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(pager::reader).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void readsAPageBeyondTheFirstMappedRegion() throws IOException {
    int pageSize = PagerOptions.MIN_PAGE_SIZE;
    long firstRegionPages = MappedFile.MAX_REGION_BYTES / pageSize;
    PagerOptions options =
        PagerOptions.defaults()
            .withPageSize(pageSize)
            .withSparse(true)
            .withDurability(Durability.NONE)
            .withInitialPageCount(firstRegionPages + 64);
    try (Pager pager = Pager.create(file(), options)) {
      PageReader reader = pager.reader();
      long near = firstRegionPages - 1;
      long far = firstRegionPages + 10;
      pager.page(near).putLong(pageSize - 8, near);
      pager.page(far).putLong(0, far);
      assertThat(reader.getLong(near, pageSize - 8)).isEqualTo(near);
      assertThat(reader.getLong(far, 0)).isEqualTo(far);
      assertThat(reader.getLong(far, 8)).isZero();
    }
  }
}

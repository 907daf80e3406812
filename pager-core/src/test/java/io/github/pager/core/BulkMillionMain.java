package io.github.pager.core;

import java.nio.file.Path;
import java.util.List;

/**
 * A child JVM's work for {@link BulkHeapBoundTest}: allocates a million pages in one {@code
 * allocBulk}, frees them in one {@code freeBulk}, and checks the counts, in whatever heap the
 * test gives it. Exits 0 when every check passed; an {@link OutOfMemoryError} exits non-zero.
 */
public final class BulkMillionMain {
  private BulkMillionMain() {}

  /**
   * Runs the work.
   *
   * @param args the file to create, and the number of pages
   * @throws Exception when anything fails, which exits non-zero
   */
  public static void main(String[] args) throws Exception {
    Path path = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    PagerOptions options = PagerOptions.defaults().withSparse(true);
    try (Pager pager = Pager.create(path, options)) {
      List<PageId> pages = pager.allocBulk(count);
      long freeAfterAlloc = pager.freePageCount();
      pager.freeBulk(pages);
      if (pages.size() != count || pager.allocatedPages().size() != 0) {
        throw new AssertionError(pages.size() + " pages allocated, " + pager.allocatedPages().size() + " left after the free");
      }
      System.out.println("allocated " + count + ", free after alloc " + freeAfterAlloc + ", pages " + pager.pageCount());
    }
  }
}

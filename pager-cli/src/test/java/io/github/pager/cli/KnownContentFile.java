package io.github.pager.cli;

import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.allocator.SubPageId;
import io.github.pager.core.Durability;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Snapshot;
import io.github.pager.core.Transaction;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import io.github.pager.protectedpages.ProtectedPageId;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Page files whose every page is known, for the tests of {@code stats}, {@code pages} and
 * {@code dump}: what each page holds is recorded as the file is built.
 */
final class KnownContentFile {
  /** Root slots of the structures in {@link #build}. */
  static final int BITMAP_SLOT = 0;

  static final int SUB_PAGES_SLOT = 4;
  static final int PROTECTED_SLOT = 12;

  final Path path;
  final List<Long> userPages = new ArrayList<>();
  final List<Long> freedPages = new ArrayList<>();
  final Set<Long> subPageParents = new TreeSet<>();
  final List<ProtectedPageAllocator.Copies> protectedCopies = new ArrayList<>();
  final Set<Long> directoryNodes = new TreeSet<>();
  final Set<Long> bitmapNodes = new TreeSet<>();
  long generation;
  long pageCount;
  long freePages;
  long pendingPages;

  private KnownContentFile(Path path) {
    this.path = path;
  }

  /**
   * Ten user pages, three of them freed by the last commit (pending); a bitmap of pager-core at
   * slot 0 with one bit set; 40 sub-pages of 128 bytes (32 to a page: two parents) at slots 4-8;
   * two protected pages, one written twice, at slots 12-16.
   */
  static KnownContentFile build(Path path) throws IOException {
    KnownContentFile file = new KnownContentFile(path);
    try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
      List<PageId> pages = pager.allocBulk(10);
      try (Transaction tx = pager.begin()) {
        tx.bitmap(BITMAP_SLOT).set(5);
        tx.commit();
      }
      SubPageAllocator sub = SubPageAllocator.open(pager, SUB_PAGES_SLOT, 128);
      for (SubPageId id : sub.allocBulk(40)) {
        file.subPageParents.add(id.page());
      }
      ProtectedPageAllocator protectedPages = ProtectedPageAllocator.open(pager, PROTECTED_SLOT);
      List<ProtectedPageId> ids = protectedPages.allocBulk(2);
      try (var writer = protectedPages.write(ids.get(1))) {
        writer.segment().fill((byte) 7);
        writer.commit();
      }
      List<PageId> freed = List.of(pages.get(2), pages.get(3), pages.get(7));
      pager.freeBulk(freed);

      pages.forEach(id -> file.userPages.add(id.index()));
      freed.forEach(id -> file.freedPages.add(id.index()));
      file.userPages.removeAll(file.freedPages);
      protectedPages.forEachCopies(file.protectedCopies::add);
      file.directoryNodes.addAll(pager.readArray(protectedPages.directorySlot(), 32).nodePages());
      file.bitmapNodes.addAll(pager.readBitmap(BITMAP_SLOT).nodePages());
      file.generation = pager.generation();
      file.pageCount = pager.pageCount();
      file.pendingPages = pager.pendingPages().pending();
      file.freePages = pager.freePageCount() - file.pendingPages;
    }
    return file;
  }

  /**
   * A file of 1 KiB pages whose free-space tree has two levels (a leaf holds 8,064 pages) and
   * whose pending list spills into a chain: a snapshot holds the runs of two commits that each
   * free 60 scattered pages, more than the record's 28 inline runs.
   */
  static KnownContentFile buildWithChain(Path path) throws IOException {
    KnownContentFile file = new KnownContentFile(path);
    try (Pager pager = Pager.create(path, PagerOptions.defaults().withPageSize(1024).withDurability(Durability.NONE))) {
      List<PageId> pages = pager.allocBulk(8100);
      try (Snapshot held = pager.snapshot()) {
        for (int commit = 0; commit < 2; commit++) {
          List<PageId> scattered = new ArrayList<>();
          for (int i = 0; i < 60; i++) {
            scattered.add(pages.get(200 * commit + 2 * i));
          }
          pager.freeBulk(scattered);
          scattered.forEach(id -> file.freedPages.add(id.index()));
        }
        file.generation = pager.generation();
        file.pageCount = pager.pageCount();
        file.pendingPages = pager.pendingPages().pending();
        file.freePages = pager.freePageCount() - file.pendingPages;
      }
    }
    return file;
  }
}

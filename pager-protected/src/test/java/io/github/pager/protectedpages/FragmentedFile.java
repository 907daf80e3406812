package io.github.pager.protectedpages;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.PageFileCompaction;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A page file whose pager-owned pages lie high, for compaction's tests: 300 user pages, then 30
 * protected pages (written twice for even ids, so both copies are active somewhere), then every
 * user page freed but the first {@link #LOW_USER_PAGES} and one in the middle, with every hole below
 * it filled and freed in the same commit. The free-space tree's node, placed by that commit while
 * every page below was in use or pending, lies past the protected copies; the free pages below the
 * last user page have room for everything above it.
 */
final class FragmentedFile {
  /** The protected pages' first root slot. */
  static final int BASE = 8;

  static final int USER_PAGES = 300;
  static final int LOW_USER_PAGES = 40;
  static final int PROTECTED_PAGES = 30;

  /** The index (among the user pages allocated) of the one kept in the middle: the last user page. */
  static final int MIDDLE = 117;

  /** The layers compaction moves in these files: the protected pages at {@link #BASE}. */
  static final PageFileCompaction.Layers LAYERS =
      pager -> List.of(ProtectedPageRelocator.of(ProtectedPageAllocator.open(pager, BASE)));

  /**
   * What a reader of the file must find, whatever the layout: each user page's first and last
   * words by page index, and each protected page's first word (and its version) by id.
   *
   * @param userPages page index to its two words, joined
   * @param protectedPages protected id to its first word and version, joined
   */
  record Content(SortedMap<Long, String> userPages, SortedMap<Long, String> protectedPages) {}

  private FragmentedFile() {}

  /** Builds the file's state in {@code pager}; returns what it holds. */
  static Content build(Pager pager) throws IOException {
    List<PageId> pages = pager.allocBulk(USER_PAGES);
    for (PageId id : pages) {
      pager.page(id).putLong(0, id.index() * 1_000_003L);
      pager.page(id).putLong(pager.pageSize() - 8, ~id.index());
    }
    ProtectedPageAllocator protectedPages = ProtectedPageAllocator.open(pager, BASE);
    List<ProtectedPageId> ids = protectedPages.allocBulk(PROTECTED_PAGES);
    for (int round = 0; round < 2; round++) {
      try (ProtectedTransaction tx = protectedPages.begin()) {
        for (ProtectedPageId id : ids) {
          if (round == 0 || id.value() % 2 == 0) {
            tx.write(id).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, id.value() * 7 + round);
          }
        }
        tx.commit();
      }
    }
    Set<PageId> keep = new HashSet<>(pages.subList(0, LOW_USER_PAGES));
    keep.add(pages.get(MIDDLE));
    List<PageId> freed = new java.util.ArrayList<>(pages.stream().filter(id -> !keep.contains(id)).toList());
    try (Transaction tx = pager.begin()) {
      // Holes left low by earlier commits are filled and freed with the rest: all pending at this
      // commit, so the free-space tree's node goes past everything.
      for (PageId filler = tx.alloc(); ; filler = tx.alloc()) {
        freed.add(filler);
        if (filler.index() > pages.get(MIDDLE).index()) {
          break;
        }
      }
      tx.freeBulk(freed);
      tx.commit();
    }
    return read(pager);
  }

  /** The index of the highest user page the file keeps. */
  static long lastUserPage(Content content) {
    return content.userPages().lastKey();
  }

  /**
   * Reads what the file holds, and checks that every allocated page is a user page of the content
   * or a page the protected pages own: nothing leaked, nothing lost.
   */
  static Content read(Pager pager) throws IOException {
    ProtectedPageAllocator protectedPages = ProtectedPageAllocator.open(pager, BASE);
    Set<Long> owned = protectedPages.ownedPages();
    SortedMap<Long, String> user = new TreeMap<>();
    for (PageId id : pager.allocatedPages()) {
      if (!owned.contains(id.index())) {
        user.put(id.index(), pager.page(id).getLong(0) + "/" + pager.page(id).getLong(pager.pageSize() - 8));
      }
    }
    SortedMap<Long, String> copies = new TreeMap<>();
    for (ProtectedPageId id : protectedPages.allocatedIds()) {
      byte[] bytes = protectedPages.get(id);
      copies.put(id.value(), java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0)
          + "@v" + protectedPages.version(id));
    }
    assertThat(pager.allocatedPages()).as("every allocated page is a user page or the protected pages' own")
        .hasSize(user.size() + owned.size());
    return new Content(user, copies);
  }
}

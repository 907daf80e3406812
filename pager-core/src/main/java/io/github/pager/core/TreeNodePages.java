package io.github.pager.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * The pager's own pages as of the last commit, the free-space tree's nodes and the pending list's
 * pages: what lets the pager refuse a view of one of its own pages, and tell them from a user
 * page, without reading either.
 *
 * <p>An open-addressing hash set of page numbers with linear probing, read without a lock by any
 * thread and changed only by the writer, after a commit, by the pages that commit moved. A
 * removed page leaves a tombstone rather than an empty slot, so a reader probing for a page that
 * stays in the set never stops early; tombstones and growth are cleared by building a new table
 * and publishing it. A reader racing with a commit may or may not see the pages that commit
 * moved, which are fresh or freed pages no user holds. A lookup costs a hash and, at a load of at
 * most one half, one or two probes, whatever the size of the file.
 */
final class TreeNodePages {
  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

  /** Page 0 is the superblock, never a node: it marks a slot never used. */
  private static final long EMPTY = 0;

  /** A slot whose page was removed; probing goes on past it. */
  private static final long REMOVED = -1;

  private volatile long[] slots = new long[16];

  /** Writer only: pages in the set, and slots holding a page or a tombstone. */
  private int size;

  private int occupied;

  /**
   * Collects the node pages of a tree with no uncommitted change (see {@link
   * CopyOnWriteTree#forEachNodePage}) and the pages of its pending list.
   */
  static TreeNodePages of(CopyOnWriteTree tree, Collection<Long> pendingListPages) {
    TreeNodePages pages = new TreeNodePages();
    tree.forEachNodePage(pages::add);
    pendingListPages.forEach(pages::add);
    return pages;
  }

  /**
   * Tells whether {@code page} holds a node. The first probe is inline and usually ends the
   * search (the table is at most half full, and for most files holds a handful of pages); the
   * rest of the search is a separate method, so that callers on the read path stay small enough
   * for the JIT to inline them, and their views to be scalar-replaced.
   */
  boolean contains(long page) {
    // A plain load of the slot: on the read path a VarHandle's layers use up the JIT's inlining
    // budget for the caller. A slot is one aligned 64-bit word, written whole; the volatile read
    // of the table keeps this load from being hoisted out of a caller's loop.
    long[] table = slots;
    int i = hash(page) & (table.length - 1);
    long slot = table[i];
    if (slot == EMPTY) {
      return false;
    }
    return slot == page ? page != REMOVED : probeOn(table, i, page);
  }

  private static boolean probeOn(long[] table, int from, long page) {
    int mask = table.length - 1;
    for (int i = (from + 1) & mask; ; i = (i + 1) & mask) {
      long slot = (long) SLOTS.getOpaque(table, i);
      if (slot == page) {
        return page != EMPTY && page != REMOVED;
      }
      if (slot == EMPTY) {
        return false;
      }
    }
  }

  /** Applies one commit's moves: pages that became nodes first, then pages that stopped being nodes. */
  void apply(Set<Long> added, Set<Long> removed) {
    added.forEach(this::add);
    removed.forEach(this::remove);
  }

  private void add(long page) {
    if (contains(page)) {
      return;
    }
    if ((occupied + 1) * 2 > slots.length) {
      rebuild(size + 1);
    }
    long[] table = slots;
    int mask = table.length - 1;
    int i = hash(page) & mask;
    while (table[i] != EMPTY && table[i] != REMOVED) {
      i = (i + 1) & mask;
    }
    if (table[i] == EMPTY) {
      occupied++;
    }
    SLOTS.setRelease(table, i, page);
    size++;
  }

  private void remove(long page) {
    long[] table = slots;
    int mask = table.length - 1;
    for (int i = hash(page) & mask; table[i] != EMPTY; i = (i + 1) & mask) {
      if (table[i] == page) {
        SLOTS.setRelease(table, i, REMOVED);
        size--;
        return;
      }
    }
  }

  /** Copies the live pages into a fresh table sized for {@code needed} pages, and publishes it. */
  private void rebuild(int needed) {
    int capacity = 16;
    while (capacity < needed * 4) {
      capacity <<= 1;
    }
    long[] table = new long[capacity];
    for (long page : slots) {
      if (page != EMPTY && page != REMOVED) {
        int i = hash(page) & (capacity - 1);
        while (table[i] != EMPTY) {
          i = (i + 1) & (capacity - 1);
        }
        table[i] = page;
      }
    }
    occupied = size;
    slots = table;
  }

  int size() {
    return size;
  }

  Set<Long> toSet() {
    Set<Long> set = new HashSet<>();
    for (long page : slots) {
      if (page != EMPTY && page != REMOVED) {
        set.add(page);
      }
    }
    return set;
  }

  private static int hash(long page) {
    long h = page * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  /**
   * A placement that passes pages through and records which pages became nodes and which stopped
   * being nodes during one commit's placement of the tree.
   */
  static final class Recorder implements CopyOnWriteTree.Placement {
    private final CopyOnWriteTree.Placement inner;
    final Set<Long> added = new HashSet<>();
    final Set<Long> removed = new HashSet<>();

    Recorder(CopyOnWriteTree.Placement inner) {
      this.inner = inner;
    }

    @Override
    public long take() throws java.io.IOException {
      long page = inner.take();
      added.add(page);
      return page;
    }

    @Override
    public void give(long page) throws java.io.IOException {
      inner.give(page);
      // A page taken and given back within the commit never became a node.
      if (!added.remove(page)) {
        removed.add(page);
      }
    }
  }
}

package io.github.pager.allocator;

import io.github.pager.core.Pager;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * When a freed sub-page may be handed out again: a sub-page freed by commit {@code N} is reusable
 * only once commit {@code N + 1} is durable and no open snapshot and no registered reader is older
 * than {@code N}; never inside the transaction that frees it, never by the commit right after.
 * Regular pages follow the same rule in the pager.
 *
 * <p>The purpose of this class is to keep bytes that a commit the pager may still open at gives to
 * an owner away from a new owner. Until commit {@code N} is durable, the transaction that frees a
 * sub-page can roll back, or be lost in a crash, and the last acknowledged commit still gives the
 * sub-page to its old owner; a new owner's writes would land in the old owner's bytes. Until
 * commit {@code N + 1} is durable, commit {@code N - 1} is the alternate metadata copy, the one
 * open falls back to when the active copy is damaged, and it too gives the sub-page to its old
 * owner. A snapshot or reader of a commit before {@code N} gives it to its old owner as well, and
 * reads its bytes. Sub-page contents are written in place, so only not handing the bytes out
 * protects them.
 *
 * <p>Each freed sub-page is tagged with the generation of the commit that frees it: the pager's
 * {@link Pager#generation()} plus one while the freeing transaction is open (the writer lock keeps
 * the generation still until that transaction ends). It is reusable once the pager's generation
 * is past its tag and no snapshot or reader is older than it. A tag left by a transaction that rolled back is harmless: the sub-page is in
 * use again, so no allocation looks at it, and freeing it again tags it anew (the later tag is the
 * one that counts). A page whose last used sub-page is freed goes back to the pager in the same
 * commit, and the pager's own rule then keeps it (and with it every tagged slot) out of reach for
 * as long.
 *
 * <p>One exception, again as in the pager: a sub-page allocated and freed by the same transaction
 * is reusable at once, since no commit ever gave it to anyone (it was reusable when allocated, so
 * free in the last commit and in the alternate alike). It is recognised by being free in the last
 * commit's used bitmap, which costs no memory however much a transaction allocates. Without it, a
 * parent page the transaction took, emptied and got back from the pager would come back with
 * pending slots.
 *
 * <p>The tags live in memory only, in the allocator instance: after a reopen, sub-pages freed by
 * the last commit before it may be handed out by the first commit after it, unlike pages, whose
 * pending list is in the file (FORMAT.md, "Sub-page allocator").
 *
 * <p>Not thread-safe: the allocator calls it inside transactions, under the pager's writer lock.
 */
final class SubPageReuseRule {
  private final Pager pager;

  /** The first root slot of the allocator's used bitmap. */
  private final int usedSlot;

  /**
   * The sub-pages each commit frees, by the generation of that commit, while not yet reusable:
   * each set maps {@code value / 64} to a word whose bit {@code value % 64} is set, so a bulk free
   * of neighbouring sub-pages costs a word per 64 of them. A tag is released once the pager's
   * generation is past it; at most the last commit's and the open transaction's are not.
   */
  private final NavigableMap<Long, Map<Long, Long>> freedBy = new TreeMap<>();

  /** Tags below this are reusable in the open transaction; see {@link #beginTransaction()}. */
  private long reusableBelow;

  SubPageReuseRule(Pager pager, int usedSlot) {
    this.pager = pager;
    this.usedSlot = usedSlot;
  }

  /**
   * Decides, once for the transaction now open, which tags are reusable: those below the pager's
   * generation and at or below the oldest generation an open snapshot or a registered reader
   * reads. Asked once, as the pager asks once at the start of a transaction, since the reader table
   * is read to answer; a snapshot or reader that starts later reads the current commit or a newer
   * one, which no tag of a reusable sub-page reaches.
   */
  void beginTransaction() {
    long oldest = pager.oldestPinnedGeneration();
    reusableBelow = Math.min(pager.generation(), oldest == Long.MAX_VALUE ? Long.MAX_VALUE : oldest + 1);
    freedBy.headMap(reusableBelow, false).clear();
  }

  /**
   * Records that the open transaction frees {@code value}.
   *
   * @param value the sub-page value
   * @return true when the value is reusable at once, because the open transaction allocated it
   * @throws IOException when the last commit's used bitmap cannot be read
   */
  boolean freed(long value) throws IOException {
    if (!pager.readBitmap(usedSlot).get(value)) {
      return true;
    }
    long generation = pager.generation();
    freedBy.computeIfAbsent(generation + 1, tag -> new HashMap<>()).merge(value >>> 6, 1L << value, (a, b) -> a | b);
    return false;
  }

  /**
   * Tells whether a free sub-page may be handed out by the open transaction.
   *
   * @param value a sub-page value whose used bit is clear
   * @return false while the commit after the one that freed it is not durable, or a snapshot or
   *     reader older than that commit lives
   */
  boolean mayReuse(long value) {
    for (Map<Long, Long> pending : freedBy.tailMap(reusableBelow, true).values()) {
      Long word = pending.get(value >>> 6);
      if (word != null && (word & (1L << value)) != 0) {
        return false;
      }
    }
    return true;
  }
}

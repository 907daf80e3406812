package io.github.pager.allocator;

import io.github.pager.core.Pager;
import io.github.pager.core.Transaction;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * When a freed sub-page may be handed out again: a sub-page freed by commit {@code N} is reusable
 * only once commit {@code N + 1} is durable; never inside the transaction that frees it, never by
 * the commit right after. Regular pages follow the same rule in the pager.
 *
 * <p>The purpose of this class is to keep bytes that a commit the pager may still open at gives to
 * an owner away from a new owner. Until commit {@code N} is durable, the transaction that frees a
 * sub-page can roll back, or be lost in a crash, and the last acknowledged commit still gives the
 * sub-page to its old owner; a new owner's writes would land in the old owner's bytes. Until
 * commit {@code N + 1} is durable, commit {@code N - 1} is the alternate metadata copy, the one
 * open falls back to when the active copy is damaged, and it too gives the sub-page to its old
 * owner. Sub-page contents are written in place, so only not handing the bytes out protects them.
 *
 * <p>Each freed sub-page is tagged with the generation of the commit that frees it: the pager's
 * {@link Pager#generation()} plus one while the freeing transaction is open (the writer lock keeps
 * the generation still until that transaction ends). It is reusable once the pager's generation
 * is past its tag. A tag left by a transaction that rolled back is harmless: the sub-page is in
 * use again, so no allocation looks at it, and freeing it again re-tags it. A page whose last used
 * sub-page is freed goes back to the pager in the same commit, and the pager's own rule then keeps
 * it (and with it every tagged slot) out of reach for as long.
 *
 * <p>One exception, again as in the pager: a sub-page allocated and freed by the same transaction
 * is reusable at once, since no commit ever gave it to anyone (it was reusable when allocated, so
 * free in the last commit and in the alternate alike). Without it, a parent page the transaction
 * took, emptied and got back from the pager would come back with pending slots.
 *
 * <p>The tags live in memory only, in the allocator instance: after a reopen, sub-pages freed by
 * the last commit before it may be handed out by the first commit after it, as the pager does with
 * pages (FORMAT.md, "Recovery"). A later reader table (snapshots) will hold reuse back further, by
 * the oldest generation a reader still sees; that belongs here.
 *
 * <p>Not thread-safe: the allocator calls it inside transactions, under the pager's writer lock.
 */
final class SubPageReuseRule {
  private final Pager pager;

  /** Sub-page value to the generation of the commit that frees it; only entries not yet reusable, once pruned. */
  private final Map<Long, Long> freedBy = new HashMap<>();

  /** The generation at which released tags were last dropped. */
  private long prunedAt = -1;

  /** The transaction {@link #allocatedNow} belongs to. */
  private @Nullable Transaction current;

  /** Values {@link #current} allocated and has not freed. */
  private final Set<Long> allocatedNow = new HashSet<>();

  SubPageReuseRule(Pager pager) {
    this.pager = pager;
  }

  /**
   * Records that {@code tx} hands {@code value} out.
   *
   * @param tx the open transaction
   * @param value the sub-page value
   */
  void allocated(Transaction tx, long value) {
    enter(tx);
    allocatedNow.add(value);
  }

  /**
   * Records that {@code tx} frees {@code value}.
   *
   * @param tx the open transaction
   * @param value the sub-page value
   * @return true when the value is reusable at once, because {@code tx} allocated it
   */
  boolean freed(Transaction tx, long value) {
    enter(tx);
    if (allocatedNow.remove(value)) {
      return true;
    }
    prune();
    freedBy.put(value, pager.generation() + 1);
    return false;
  }

  /**
   * Tells whether a free sub-page may be handed out by the open transaction.
   *
   * @param value a sub-page value whose used bit is clear
   * @return false while the commit after the one that freed it is not durable
   */
  boolean mayReuse(long value) {
    Long freedByCommit = freedBy.get(value);
    return freedByCommit == null || released(freedByCommit);
  }

  private void enter(Transaction tx) {
    if (tx != current) {
      current = tx;
      allocatedNow.clear();
    }
  }

  private boolean released(long freedByCommit) {
    return pager.generation() > freedByCommit;
  }

  /** Drops released tags, once per generation, so the map holds about two commits' frees. */
  private void prune() {
    long generation = pager.generation();
    if (generation != prunedAt) {
      freedBy.values().removeIf(this::released);
      prunedAt = generation;
    }
  }
}

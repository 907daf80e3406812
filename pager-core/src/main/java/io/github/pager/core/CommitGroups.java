package io.github.pager.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Group commit: commits sealed by many threads share the syncs of one flush.
 *
 * <p>A commit is sealed under the writer lock ({@link CommitProtocol#seal}) and joins the queue
 * here, in the order of sealing. Then its thread gives up the writer lock and waits. One waiting
 * thread at a time leads: it lets the group form (until the threads of the last group have queued
 * again, for at most half a flush's time, see {@code awaitLastGroup}), takes every commit queued
 * as its group, runs steps 3 to 5 for them ({@link CommitProtocol#flush}) without any lock, and
 * wakes the group. Meanwhile other threads seal and queue; when the flush ends, one of them leads
 * the next group. So with N threads committing, a flush makes about N commits durable instead of
 * one, and a commit waits for the flush in progress, then for its own group to form and flush.
 *
 * <p>Each caller returns only when its own commit is durable. A failed flush fails every member of
 * its group and every later one: what reached the disk is unknown, so the pager must be reopened.
 */
final class CommitGroups {
  /** What one flush did, handed to each member of its group. */
  record Group(int members, int syncs, long durableGeneration) {}

  /** A sealed commit waiting for a flush; {@code group} is set when it is durable. */
  static final class Member {
    final @Nullable MetadataRecord record;
    final Thread thread = Thread.currentThread();
    @Nullable Group group;

    private Member(@Nullable MetadataRecord record) {
      this.record = record;
    }
  }

  private final CommitProtocol protocol;
  private final Counters counters;
  private final Runnable afterFlush;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition flushed = lock.newCondition();
  private final Condition joined = lock.newCondition();

  /** Guarded by lock: the threads of the last group flushed, which likely commit again soon. */
  private List<Thread> lastGroup = List.of();

  /** Guarded by lock: how long the last flush took; a group forms for at most half of it. */
  private long lastFlushNanos;

  /** Guarded by lock: sealed commits no flush has taken yet, oldest first. */
  private List<Member> queue = new ArrayList<>();

  /** Guarded by lock: a thread is flushing. */
  private boolean flushing;

  /** Guarded by lock: the failure of a flush; no commit becomes durable after it. */
  private @Nullable PagerUnavailableException failure;

  /**
   * @param afterFlush run by the flushing thread after each flush that succeeded, before its
   *     group is woken: where the pager lets go of pages that only the flush made reusable
   */
  CommitGroups(CommitProtocol protocol, Counters counters, Runnable afterFlush) {
    this.protocol = protocol;
    this.counters = counters;
    this.afterFlush = afterFlush;
  }

  /**
   * Queues a sealed commit. Called under the writer lock, so the queue's order is the order in
   * which commits were sealed, each on top of the one before.
   *
   * @param record the commit's record, or null for a commit that changed nothing and only needs
   *     the page writes before it synced
   */
  Member join(@Nullable MetadataRecord record) {
    Member member = new Member(record);
    lock.lock();
    try {
      queue.add(member);
      joined.signal();
    } finally {
      lock.unlock();
    }
    return member;
  }

  /**
   * Returns when the member's commit is durable: made so by a flush in progress or a later one,
   * which this thread runs itself when no other thread is flushing.
   *
   * @return the flush that made it durable
   * @throws PagerUnavailableException when that flush, or an earlier one, failed
   */
  Group awaitDurable(Member member) throws PagerUnavailableException {
    List<Member> group;
    lock.lock();
    try {
      while (true) {
        Group done = member.group;
        if (done != null) {
          return done;
        }
        PagerUnavailableException failed = failure;
        if (failed != null) {
          throw new PagerUnavailableException("the flush this commit waited for failed: " + failed.getMessage(), failed);
        }
        if (!flushing) {
          break;
        }
        // Not interruptible: the caller is promised durability or an exception, not "unknown".
        flushed.awaitUninterruptibly();
      }
      flushing = true;
      awaitLastGroup();
      group = queue;
      queue = new ArrayList<>();
    } finally {
      lock.unlock();
    }
    return lead(group);
  }

  /**
   * Lets the group form before it is taken, under the lock, as its leader: waits until every
   * thread of the last group has queued a commit again, for at most half the last flush's time.
   *
   * <p>Why: without it, threads that commit in a loop split into two cohorts that take turns,
   * each flushing while the other seals, so a flush carries half of them (measured: 4.3 commits
   * per flush with 8 threads). The members of the last group re-seal within microseconds of
   * their flush's end; waiting for them merges the cohorts. One thread committing alone never
   * waits: it is the last group, and already queued.
   */
  private void awaitLastGroup() {
    long remaining = lastFlushNanos / 2;
    while (remaining > 0 && !everyoneQueued(lastGroup)) {
      try {
        remaining = joined.awaitNanos(remaining);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // kept for the caller; the flush goes on now
        return;
      }
    }
  }

  private boolean everyoneQueued(List<Thread> threads) {
    for (Thread thread : threads) {
      boolean queued = false;
      for (Member member : queue) {
        if (member.thread == thread) {
          queued = true;
          break;
        }
      }
      if (!queued) {
        return false;
      }
    }
    return true;
  }

  /**
   * Waits until every commit queued so far is durable, flushing them when no other thread is:
   * for close, which holds the writer lock, so nothing joins meanwhile.
   *
   * @throws PagerUnavailableException when a flush failed
   */
  void awaitAll() throws PagerUnavailableException {
    Member last;
    lock.lock();
    try {
      last = queue.isEmpty() ? null : queue.getLast();
      while (last == null && flushing) {
        flushed.awaitUninterruptibly();
      }
    } finally {
      lock.unlock();
    }
    if (last != null) {
      awaitDurable(last);
    }
  }

  /** Commits sealed and queued for the next flush, now. */
  int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  private Group lead(List<Member> members) throws PagerUnavailableException {
    // The newest record names everything the group's commits wrote: each was sealed on top of
    // the one before. A group of commits that changed nothing has no record to write.
    MetadataRecord newest = null;
    for (Member member : members) {
      if (member.record != null) {
        newest = member.record;
      }
    }
    long durableBefore = protocol.durableGeneration();
    long started = System.nanoTime();
    Group done;
    try {
      int syncs = protocol.flush(newest);
      done = new Group(members.size(), syncs, protocol.durableGeneration());
    } catch (PagerUnavailableException | RuntimeException | Error e) {
      lock.lock();
      try {
        failure = e instanceof PagerUnavailableException unavailable
            ? unavailable
            : new PagerUnavailableException("a commit's flush failed: " + e, e);
        flushing = false;
        flushed.signalAll();
      } finally {
        lock.unlock();
      }
      throw e;
    }
    counters.flushedGroup(members.size(), done.durableGeneration() != durableBefore);
    afterFlush.run();
    lock.lock();
    try {
      List<Thread> threads = new ArrayList<>(members.size());
      for (Member member : members) {
        member.group = done;
        if (!threads.contains(member.thread)) {
          threads.add(member.thread);
        }
      }
      lastGroup = threads;
      lastFlushNanos = System.nanoTime() - started;
      flushing = false;
      flushed.signalAll();
    } finally {
      lock.unlock();
    }
    return done;
  }
}

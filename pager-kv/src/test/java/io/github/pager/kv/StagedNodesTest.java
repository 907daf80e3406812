package io.github.pager.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.Durability;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write transaction's nodes held in memory until its commit: reads see them, the file sees
 * nothing of them until they are written, a dropped node's buffer comes back clean, and buffers
 * go back to the store's pool for the next transaction.
 */
class StagedNodesTest {
  private static final PagerOptions FAST = PagerOptions.defaults().withDurability(Durability.NONE);
  private static final int PAGE = 4096;

  @TempDir Path dir;

  @Test
  void stagedNodesReachTheirPagesOnlyWhenWritten() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("staged.pages"), FAST); Transaction tx = pager.begin()) {
      List<Long> pages = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        PageId id = tx.alloc();
        pager.page(id).segment().fill((byte) 0x5A); // what an earlier node left there
        pages.add(id.index());
      }
      StagedNodes staged = new StagedNodes(PAGE, new NodeBufferPool(PAGE));
      MemorySegment fresh = staged.fresh(pages.get(0));
      fresh.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 1L);
      MemorySegment copy = staged.copy(pages.get(1), pager.page(pages.get(0)).segment());

      assertThat(staged.holds(pages.get(0))).isTrue();
      assertThat(staged.get(pages.get(0))).isSameAs(fresh);
      assertThat(staged.holds(pages.get(2))).isFalse();
      assertThat(staged.get(pages.get(2))).isNull();
      assertThat(fresh.get(ValueLayout.JAVA_BYTE, PAGE - 1)).as("a fresh node starts as zeros").isZero();
      assertThat(copy.get(ValueLayout.JAVA_BYTE, 100)).as("a copy").isEqualTo((byte) 0x5A);
      assertThat(pager.page(pages.get(0)).getLong(0)).as("not in the file yet").isEqualTo(0x5A5A5A5A5A5A5A5AL);
      assertThatThrownBy(() -> staged.fresh(pages.get(0))).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("staged twice");

      staged.writeTo(pager);
      assertThat(pager.page(pages.get(0)).getLong(0)).as("written").isEqualTo(1L);
      assertThat(pager.page(pages.get(0)).segment().get(ValueLayout.JAVA_BYTE, PAGE - 1)).isZero();
      assertThat(pager.page(pages.get(1)).segment().get(ValueLayout.JAVA_BYTE, PAGE - 1)).isEqualTo((byte) 0x5A);
      assertThat(staged.holds(pages.get(0))).as("released once written").isFalse();
    }
  }

  @Test
  void aDroppedOrReleasedNodeIsNeverWrittenAndItsBufferComesBackZeroed() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("dropped.pages"), FAST); Transaction tx = pager.begin()) {
      long first = tx.alloc().index();
      long second = tx.alloc().index();
      pager.page(first).putLong(0, 7L);
      NodeBufferPool pool = new NodeBufferPool(PAGE);
      StagedNodes staged = new StagedNodes(PAGE, pool);
      MemorySegment dropped = staged.fresh(first);
      dropped.fill((byte) 1);
      staged.drop(first);
      MemorySegment reused = staged.fresh(second);
      assertThat(reused.heapBase()).as("the dropped node's buffer").isEqualTo(dropped.heapBase());
      assertThat(reused.get(ValueLayout.JAVA_BYTE, 0)).as("zeroed for its new node").isZero();

      staged.writeTo(pager);
      assertThat(pager.page(first).getLong(0)).as("a dropped node is not written").isEqualTo(7L);

      StagedNodes next = new StagedNodes(PAGE, pool);
      MemorySegment again = next.fresh(first);
      assertThat(again.heapBase()).as("the pool hands the buffer to the next transaction").isEqualTo(dropped.heapBase());
      again.fill((byte) 2);
      next.release();
      assertThat(next.holds(first)).isFalse();
      assertThat(pager.page(first).getLong(0)).as("released, never written").isEqualTo(7L);
      next.release(); // twice: nothing
    }
  }

  @Test
  void thePoolKeepsAtMostItsLimitBetweenTransactions() {
    NodeBufferPool pool = new NodeBufferPool(PAGE);
    int limit = (int) (NodeBufferPool.MAX_SPARE_BYTES / PAGE);
    List<MemorySegment> taken = new ArrayList<>();
    for (int i = 0; i < limit + 5; i++) {
      taken.add(pool.take());
    }
    assertThat(pool.spareCount()).isZero();
    pool.give(taken);
    assertThat(pool.spareCount()).isEqualTo(limit);
    for (int i = 0; i < limit; i++) {
      MemorySegment buffer = pool.take();
      assertThat(buffer.byteSize()).isEqualTo(PAGE);
      assertThat(taken).as("a kept buffer").anyMatch(kept -> kept.heapBase().equals(buffer.heapBase()));
    }
    assertThat(pool.spareCount()).isZero();
  }
}

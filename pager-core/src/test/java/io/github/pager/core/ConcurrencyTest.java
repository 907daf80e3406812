package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Allocation from several threads at once, while other threads read pages without a lock. */
class ConcurrencyTest {
  @TempDir Path dir;

  @Test
  void concurrentAllocatorsNeverShareAPageAndReadersSeeTheirWrites() throws Exception {
    PagerOptions options = PagerOptions.defaults().withDurability(Durability.NONE).withInitialPageCount(8);
    try (Pager pager = Pager.create(dir.resolve("pages.db"), options)) {
      Set<Long> owned = ConcurrentHashMap.newKeySet();
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(6);
      try {
        PageId watched = pager.alloc();
        pager.page(watched).putLong(0, -1);
        CountDownLatch started = new CountDownLatch(2);
        List<Future<?>> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
          readers.add(pool.submit(() -> {
            MappedPage view = pager.page(watched);
            started.countDown();
            long reads = 0;
            while (!stop.get()) {
              assertThat(view.getLong(0)).isEqualTo(-1);
              reads++;
            }
            return reads;
          }));
        }
        started.await();
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
          int writer = w;
          writers.add(pool.submit(() -> {
            List<PageId> mine = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
              PageId id = pager.alloc();
              assertThat(owned.add(id.index())).as("page %d handed out twice", id.index()).isTrue();
              pager.page(id).putLong(0, writer * 1_000_000L + i);
              mine.add(id);
              if (i % 3 == 0) {
                PageId victim = mine.remove(0);
                assertThat(pager.page(victim).getLong(0) / 1_000_000L).isEqualTo(writer);
                owned.remove(victim.index());
                pager.free(victim);
              }
            }
            return mine.size();
          }));
        }
        for (Future<?> writer : writers) {
          writer.get(60, TimeUnit.SECONDS);
        }
        stop.set(true);
        for (Future<?> reader : readers) {
          reader.get(10, TimeUnit.SECONDS);
        }
        assertThat(pager.allocatedPages().stream().map(PageId::index).toList())
            .containsExactlyInAnyOrderElementsOf(concat(owned, watched.index()));
        assertThat(pager.verify().problems()).isEmpty();
      } finally {
        stop.set(true);
        pool.shutdownNow();
      }
    }
  }

  private static List<Long> concat(Set<Long> set, long extra) {
    List<Long> all = new ArrayList<>(set);
    all.add(extra);
    return all;
  }
}

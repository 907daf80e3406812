package io.github.pager.protectedpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.DoubleFreeException;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random operations on protected pages against an in-memory model, with reopens: contents,
 * versions, ids (lowest free first), discarded writers and transactions, failed calls, and page
 * accounting must match the model at every step.
 *
 * <p>Each case prints its seed when it fails; run one again with {@code -Dpager.seed=SEED}.
 */
class ProtectedPropertyTest {
  private static final boolean SOAK = Boolean.getBoolean("pager.soak");
  private static final int BASE = 7;

  @TempDir Path dir;

  @Test
  void behavesLikeTheModelAcrossReopens() throws Exception {
    String fixed = System.getProperty("pager.seed");
    if (fixed != null) {
      runCase(Long.parseLong(fixed), SOAK ? 3000 : 600);
      return;
    }
    SplittableRandom seeds = new SplittableRandom(System.nanoTime());
    for (int i = 0; i < (SOAK ? 40 : 6); i++) {
      runCase(seeds.nextLong(), SOAK ? 3000 : 400);
    }
  }

  private void runCase(long seed, int steps) throws Exception {
    System.out.println("[protected property] seed " + seed + ", " + steps + " steps");
    try {
      new Case(seed, dir.resolve("case-" + Long.toHexString(seed) + ".db")).run(steps);
    } catch (Exception | AssertionError e) {
      throw new AssertionError("failed with seed " + seed + " (replay: -Dpager.seed=" + seed + ")", e);
    }
  }

  private static final class Case {
    private final SplittableRandom random;
    private final Path path;
    private final PagerOptions options;
    private final Map<Long, byte[]> model = new TreeMap<>();
    private final Map<Long, Long> versions = new TreeMap<>();
    private final Set<Long> regular = new TreeSet<>();
    private Pager pager;
    private ProtectedPageAllocator pages;

    Case(long seed, Path path) throws IOException {
      this.random = new SplittableRandom(seed);
      this.path = path;
      this.options = PagerOptions.defaults()
          .withPageSize(1 << (10 + random.nextInt(3)))
          .withDurability(random.nextBoolean() ? io.github.pager.core.Durability.NONE : io.github.pager.core.Durability.SYNC);
      this.pager = Pager.create(path, options);
      this.pages = ProtectedPageAllocator.open(pager, BASE);
    }

    void run(int steps) throws IOException {
      try {
        for (int step = 0; step < steps; step++) {
          switch (random.nextInt(10)) {
            case 0, 1 -> alloc();
            case 2 -> free();
            case 3, 4 -> write();
            case 5, 6 -> transaction();
            case 7 -> failedCall();
            case 8 -> reopen();
            default -> check(false);
          }
        }
        check(true);
        reopen();
        check(true);
      } finally {
        pager.close();
      }
    }

    private ProtectedPageId id(long value) {
      return new ProtectedPageId(pages, value);
    }

    private long lowestFree(Set<Long> taken) {
      long id = 0;
      while (taken.contains(id)) {
        id++;
      }
      return id;
    }

    private long pick() {
      List<Long> ids = new ArrayList<>(model.keySet());
      return ids.get(random.nextInt(ids.size()));
    }

    private void alloc() throws IOException {
      int count = 1 + random.nextInt(random.nextInt(8) == 0 ? 40 : 3);
      List<ProtectedPageId> ids = count == 1 ? List.of(pages.alloc()) : pages.allocBulk(count);
      Set<Long> taken = new TreeSet<>(model.keySet());
      for (ProtectedPageId id : ids) {
        assertThat(id.value()).as("lowest free id").isEqualTo(lowestFree(taken));
        taken.add(id.value());
        model.put(id.value(), new byte[pager.pageSize()]);
        versions.put(id.value(), 1L);
      }
    }

    private void free() throws IOException {
      if (model.isEmpty()) {
        return;
      }
      List<ProtectedPageId> ids = new ArrayList<>();
      for (int i = 1 + random.nextInt(Math.min(4, model.size())); i > 0; i--) {
        long value = pick();
        if (ids.stream().noneMatch(id -> id.value() == value)) {
          ids.add(id(value));
        }
      }
      if (ids.size() == 1) {
        pages.free(ids.getFirst());
      } else {
        pages.freeBulk(ids);
      }
      for (ProtectedPageId id : ids) {
        model.remove(id.value());
        versions.remove(id.value());
      }
    }

    /** Writes a random run of bytes; a random quarter of writers are closed without commit. */
    private void stage(long value, MemorySegment segment, byte[] content) {
      assertThat(segment.toArray(ValueLayout.JAVA_BYTE)).as("staging starts from the current content").isEqualTo(content);
      int from = random.nextInt(content.length);
      int length = 1 + random.nextInt(content.length - from);
      for (int b = from; b < from + length; b++) {
        content[b] = (byte) random.nextInt();
      }
      MemorySegment.copy(content, from, segment, ValueLayout.JAVA_BYTE, from, length);
    }

    private void write() throws IOException {
      if (model.isEmpty()) {
        return;
      }
      long value = pick();
      byte[] content = Objects.requireNonNull(model.get(value)).clone();
      boolean commit = random.nextInt(4) != 0;
      try (ProtectedPageWriter writer = pages.write(id(value))) {
        stage(value, writer.segment(), content);
        if (commit) {
          writer.commit();
        }
      }
      if (commit) {
        model.put(value, content);
        versions.merge(value, 1L, Long::sum);
      }
    }

    private void transaction() throws IOException {
      Map<Long, byte[]> staged = new TreeMap<>();
      model.forEach((id, content) -> staged.put(id, content.clone()));
      Map<Long, Long> stagedVersions = new TreeMap<>(versions);
      Set<Long> written = new TreeSet<>();
      Set<Long> stagedRegular = new TreeSet<>(regular);
      boolean commit = random.nextInt(5) != 0;
      long generation = pager.generation();
      try (ProtectedTransaction tx = pages.begin()) {
        for (int op = random.nextInt(8); op >= 0; op--) {
          int kind = random.nextInt(10);
          if (kind < 5 && !staged.isEmpty()) {
            List<Long> ids = new ArrayList<>(staged.keySet());
            long value = ids.get(random.nextInt(ids.size()));
            stage(value, tx.write(id(value)), Objects.requireNonNull(staged.get(value)));
            if (written.add(value) && Objects.requireNonNull(stagedVersions.get(value)) != 0) {
              stagedVersions.merge(value, 1L, Long::sum);
            }
          } else if (kind < 7) {
            ProtectedPageId id = tx.alloc();
            assertThat(id.value()).isEqualTo(lowestFree(staged.keySet()));
            staged.put(id.value(), new byte[pager.pageSize()]);
            stagedVersions.put(id.value(), 0L); // allocated and written here: version 1 at commit
            written.add(id.value());
          } else if (kind < 8 && !staged.isEmpty()) {
            List<Long> ids = new ArrayList<>(staged.keySet());
            long value = ids.get(random.nextInt(ids.size()));
            tx.free(id(value));
            staged.remove(value);
            stagedVersions.remove(value);
          } else if (kind < 9) {
            stagedRegular.add(tx.pagerTransaction().alloc().index());
          } else if (!stagedRegular.isEmpty()) {
            long page = stagedRegular.iterator().next();
            tx.pagerTransaction().free(pager.pageId(page));
            stagedRegular.remove(page);
          }
        }
        if (commit) {
          tx.commit();
        }
      }
      if (commit) {
        model.clear();
        model.putAll(staged);
        versions.clear();
        stagedVersions.forEach((id, version) -> versions.put(id, version == 0 ? 1 : version));
        regular.clear();
        regular.addAll(stagedRegular);
        assertThat(pager.generation()).isBetween(generation, generation + 1);
      } else {
        assertThat(pager.generation()).isEqualTo(generation);
      }
    }

    /** A call that fails must leave everything as it was. */
    private void failedCall() throws IOException {
      long missing = lowestFree(model.keySet());
      switch (random.nextInt(3)) {
        case 0 -> assertThatThrownBy(() -> pages.write(id(missing))).isInstanceOf(IllegalArgumentException.class);
        case 1 -> {
          List<ProtectedPageId> ids = new ArrayList<>();
          if (!model.isEmpty()) {
            ids.add(id(pick()));
          }
          ids.add(id(missing));
          assertThatThrownBy(() -> pages.freeBulk(ids)).isInstanceOf(DoubleFreeException.class);
        }
        default -> {
          if (!model.isEmpty()) {
            long value = pick();
            try (ProtectedTransaction tx = pages.begin()) {
              tx.write(id(value)).fill((byte) 0x5A);
              assertThatThrownBy(() -> tx.free(id(missing))).isInstanceOf(DoubleFreeException.class);
              assertThatThrownBy(tx::commit).isInstanceOf(IllegalStateException.class);
            }
          }
        }
      }
    }

    private void reopen() throws IOException {
      pager.close();
      pager = Pager.open(path, options);
      pages = ProtectedPageAllocator.open(pager, BASE);
      check(random.nextBoolean());
    }

    private void check(boolean full) throws IOException {
      assertThat(pages.allocatedIds()).extracting(ProtectedPageId::value).containsExactlyElementsOf(model.keySet());
      byte[] buffer = new byte[pager.pageSize()];
      for (Map.Entry<Long, byte[]> entry : model.entrySet()) {
        if (full || random.nextInt(4) == 0) {
          long version = pages.read(id(entry.getKey()), buffer);
          assertThat(buffer).as("content of %d", entry.getKey()).isEqualTo(entry.getValue());
          assertThat(version).as("version of %d", entry.getKey()).isEqualTo(versions.get(entry.getKey()));
        }
      }
      if (full) {
        pages.verify();
        assertThat(pager.verify().problems()).isEmpty();
        Set<Long> allocated = new TreeSet<>();
        for (PageId id : pager.allocatedPages()) {
          allocated.add(id.index());
        }
        Set<Long> expected = new TreeSet<>(pages.ownedPages());
        expected.addAll(regular);
        assertThat(allocated).as("every page accounted for").isEqualTo(expected);
      }
    }
  }
}

package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit with {@link Durability#SYNC} leaves no page of the file unsynced, in any of the
 * regions the file was mapped in as it grew: the real {@code FileStorage} on a real file, checked
 * through the kernel's per-mapping dirty-page accounting ({@link FileMappings}).
 *
 * <p>The power-loss simulator replaces the file layer, and a SIGKILL keeps the page cache, so
 * neither catches a sync that misses a mapping: a {@code syncAll} that forced only the first
 * region once passed the whole suite while a real disk lost the later regions' pages. Here every
 * region gets user page writes before each commit, and every mapping of the file must show zero
 * dirty kB after it.
 *
 * <p>The file is not sparse, so its pages enter the page cache in the 4 KiB pieces that {@code
 * FileStorage} reserves them in: small folios, so syncing one mapping cannot clean another's
 * pages as a side effect, which would blunt the check.
 */
class CommitSyncsEveryRegionTest {
  private static final int PAGE = 4096;
  private static final int REGIONS = 5;
  private static final int ROUNDS = 8;

  @TempDir Path dir;

  @Test
  void aSyncCommitLeavesNoDirtyPageInAnyMappedRegion() throws IOException {
    Assumptions.assumeTrue(FileMappings.available(),
        FileMappings.SMAPS + " does not exist here: the kernel's dirty-page accounting cannot be read");
    Assumptions.assumeFalse(Files.getFileStore(dir).type().equals("tmpfs"),
        dir + " is on tmpfs, whose pages stay dirty after a sync: there is nothing to write back to");
    long seed = Long.getLong("pager.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    Path file = dir.resolve("grown.pages");
    try (Pager pager = Pager.create(file, PagerOptions.defaults().withPageSize(PAGE).withDurability(Durability.SYNC))) {
      List<Long> allocated = growAcrossRegions(pager, file);
      List<FileMappings.Mapping> regions = FileMappings.of(file);
      for (int round = 0; round < ROUNDS; round++) {
        for (FileMappings.Mapping region : regions) {
          List<Long> inside = allocated.stream().filter(page -> region.covers(page * PAGE)).toList();
          for (int write = 0; write < 3; write++) {
            long page = inside.get(random.nextInt(inside.size()));
            pager.page(pager.pageId(page)).putLong(random.nextInt(PAGE / 8) * 8L, random.nextLong());
          }
        }
        // The check has teeth only if the stores show up as dirty in every region.
        assertThat(FileMappings.of(file))
            .as("seed %d (-Dpager.seed), round %d: every region holds the pages just written", seed, round)
            .allSatisfy(region -> assertThat(region.dirtyKib()).as("%s", region).isPositive());
        try (Transaction tx = pager.begin()) {
          tx.setRoot(0, round + 1);
          tx.commit();
        }
        assertThat(FileMappings.of(file))
            .as("seed %d (-Dpager.seed), round %d: after a SYNC commit every mapping of the file is clean; mappings: %s",
                seed, round, FileMappings.of(file))
            .allSatisfy(region -> assertThat(region.dirtyKib()).as("%s", region).isZero());
      }
    }
  }

  /**
   * Allocates pages, a commit at a time, until the file is mapped in {@link #REGIONS} regions or
   * more and each region holds allocated pages; returns them.
   */
  private static List<Long> growAcrossRegions(Pager pager, Path file) throws IOException {
    List<Long> allocated = new ArrayList<>();
    while (true) {
      List<FileMappings.Mapping> regions = FileMappings.of(file);
      if (regions.size() >= REGIONS
          && regions.stream().allMatch(region -> allocated.stream().anyMatch(page -> region.covers(page * PAGE)))) {
        return allocated;
      }
      assertThat(allocated).as("pages allocated without reaching %d mapped regions: %s", REGIONS, regions)
          .hasSizeLessThan(100_000);
      for (PageId id : pager.allocBulk(64)) {
        allocated.add(id.index());
      }
    }
  }
}

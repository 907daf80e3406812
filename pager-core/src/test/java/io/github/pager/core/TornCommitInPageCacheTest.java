package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed in the middle of a commit leaves the page cache holding some of the commit's
 * stores and not the others; kernel writeback followed by a power loss can put the same bytes on
 * disk. Whatever subset it is, the file must reopen at the acknowledged commit or at the one in
 * flight.
 *
 * <p>The test records a file before and after one commit (read through the page cache, which is
 * what a killed process leaves), then builds the images a kill between
 * any two stores would leave: every prefix of the commit's changed bytes in program order (tree
 * nodes, then the metadata record, then page 0), the same prefixes in reverse byte order within
 * each page, and random subsets of the page that makes the commit visible. Each image is opened
 * as a real file.
 */
class TornCommitInPageCacheTest {
  private static final int PAGE = 4096;

  @TempDir Path dir;

  /** What a reader of the file can see of one commit. */
  private record State(long generation, List<Long> allocated, long root0) {
    static State of(Pager pager) throws IOException {
      List<Long> pages = new ArrayList<>();
      pager.forEachAllocated(id -> pages.add(id.index()));
      return new State(pager.generation(), pages, pager.root(0));
    }
  }

  @Test
  void everySubsetOfACommitsStoresReopensAtTheAcknowledgedOrTheInFlightCommit() throws IOException {
    long seed = Long.getLong("pager.seed", System.nanoTime());
    Path file = dir.resolve("pages.db");
    State acknowledged;
    State inFlight;
    byte[] before;
    byte[] after;
    try (Pager pager = Pager.create(file, PagerOptions.defaults().withDurability(Durability.NONE))) {
      List<PageId> ids = pager.allocBulk(40);
      pager.freeBulk(ids.subList(0, 10));
      acknowledged = State.of(pager);
      before = Files.readAllBytes(file);
      try (Transaction tx = pager.begin()) {
        tx.alloc();
        tx.free(ids.get(20));
        tx.setRoot(0, 77);
        tx.bitmap(4).set(1234);
        tx.commit();
      }
      inFlight = State.of(pager);
      after = Files.readAllBytes(file);
    }
    assertThat(after).hasSameSizeAs(before);

    List<Integer> changed = changedOffsetsInProgramOrder(before, after);
    int checked = 0;
    for (int n = 0; n <= changed.size(); n++) {
      checkImage(apply(before, after, changed.subList(0, n)), acknowledged, inFlight, "prefix " + n);
      checked++;
    }
    List<Integer> reversed = reverseWithinPages(changed);
    for (int n = 0; n <= reversed.size(); n++) {
      checkImage(apply(before, after, reversed.subList(0, n)), acknowledged, inFlight, "reversed prefix " + n);
      checked++;
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<Integer> commitPoint = changed.stream().filter(offset -> offset < Format.FIRST_DATA_PAGE * PAGE).toList();
    List<Integer> nodes = changed.stream().filter(offset -> offset >= Format.FIRST_DATA_PAGE * PAGE).toList();
    for (int trial = 0; trial < 300; trial++) {
      List<Integer> subset = new ArrayList<>(nodes);
      for (int offset : commitPoint) {
        if (random.nextBoolean()) {
          subset.add(offset);
        }
      }
      checkImage(apply(before, after, subset), acknowledged, inFlight, "seed " + seed + ", random subset " + trial);
      checked++;
    }
    System.out.println("[torn-commit] " + checked + " page-cache images of one commit reopened; seed " + seed
        + " (-Dpager.seed=" + seed + ")");
  }

  private void checkImage(byte[] image, State acknowledged, State inFlight, String what) throws IOException {
    Path copy = dir.resolve("image.db");
    Files.write(copy, image);
    try (Pager pager = Pager.open(copy, PagerOptions.defaults().withReadOnly(true))) {
      State seen = State.of(pager);
      assertThat(seen).as(what).isIn(acknowledged, inFlight);
      assertThat(pager.verify().problems()).as(what).isEmpty();
    } catch (PageFileException e) {
      throw new AssertionError(what + ": the file does not open: " + e.getMessage(), e);
    } finally {
      Files.delete(copy);
    }
  }

  /** Tree nodes and user pages first, then the metadata pages, then the superblock: a commit's store order. */
  private static List<Integer> changedOffsetsInProgramOrder(byte[] before, byte[] after) {
    List<Integer> data = new ArrayList<>();
    List<Integer> metadata = new ArrayList<>();
    List<Integer> superblock = new ArrayList<>();
    for (int i = 0; i < before.length; i++) {
      if (before[i] != after[i]) {
        (i < PAGE ? superblock : i < Format.FIRST_DATA_PAGE * PAGE ? metadata : data).add(i);
      }
    }
    List<Integer> order = new ArrayList<>(data);
    order.addAll(metadata);
    order.addAll(superblock);
    return order;
  }

  private static List<Integer> reverseWithinPages(List<Integer> offsets) {
    List<Integer> result = new ArrayList<>();
    int start = 0;
    for (int i = 1; i <= offsets.size(); i++) {
      if (i == offsets.size() || offsets.get(i) / PAGE != offsets.get(start) / PAGE) {
        List<Integer> page = new ArrayList<>(offsets.subList(start, i));
        java.util.Collections.reverse(page);
        result.addAll(page);
        start = i;
      }
    }
    return result;
  }

  private static byte[] apply(byte[] before, byte[] after, List<Integer> offsets) {
    byte[] image = Arrays.copyOf(before, before.length);
    for (int offset : offsets) {
      image[offset] = after[offset];
    }
    return image;
  }
}

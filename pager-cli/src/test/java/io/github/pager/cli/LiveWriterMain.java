package io.github.pager.cli;

import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.allocator.SubPageId;
import io.github.pager.core.Durability;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import io.github.pager.protectedpages.ProtectedPageId;
import io.github.pager.protectedpages.ProtectedTransaction;
import io.github.pager.testkit.process.ChildJvm;
import io.github.pager.testkit.process.ReadersBesideWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The writer child of {@link CopyBesideAWriterTest}: creates a page file and commits to it until
 * its parent is gone, acknowledging each commit with the state it left (see {@link
 * ReadersBesideWriter#acknowledge} and {@link #render}).
 *
 * <p>Each commit changes one of three things: user pages (allocated and filled with random bytes
 * before their commit, never written again, or freed), sub-pages of a sub-page allocator, or
 * protected pages (allocated, freed, or rewritten with bytes that follow from their version); and
 * root 0. So tree nodes, structure nodes, protected copies and user pages are freed and reused
 * from commit to commit, which a copy that mixed two commits would show.
 *
 * <p>It pauses a few milliseconds after each commit: until read-only pagers register as readers
 * (issue 10's reader table), a writer in another process may reuse the pages a copy reads two
 * commits after the copy's, and the copy is then refused as stale; the pause lets most copies of
 * this small file finish first. The commits themselves run at full speed.
 */
public final class LiveWriterMain {
  static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);
  static final int SUB_PAGE_SLOT = 4;
  static final int SUB_PAGE_SIZE = 128;
  static final int PROTECTED_SLOT = 12;

  private static final int MAX_USER_PAGES = 60;
  private static final int MAX_SUB_PAGES = 100;
  private static final int MAX_PROTECTED_PAGES = 8;

  private LiveWriterMain() {}

  /**
   * Runs the loop.
   *
   * @param args the file to create, the seed, the pause after each commit in milliseconds, and the
   *     {@link Durability} to commit with
   * @throws Exception when the pager fails
   */
  public static void main(String[] args) throws Exception {
    ChildJvm.exitWhenInputEnds();
    Path path = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    long pauseMillis = Long.parseLong(args[2]);
    SplittableRandom random = new SplittableRandom(seed);
    Pager pager = Pager.create(path, OPTIONS.withDurability(Durability.valueOf(args[3])));
    SubPageAllocator subPages = SubPageAllocator.open(pager, SUB_PAGE_SLOT, SUB_PAGE_SIZE);
    ProtectedPageAllocator protectedPages = ProtectedPageAllocator.open(pager, PROTECTED_SLOT);
    ReadersBesideWriter.View view = written -> render(written, seed);
    ReadersBesideWriter.acknowledge(System.out, pager, view);
    List<PageId> userPages = new ArrayList<>();
    List<SubPageId> subPageIds = new ArrayList<>();
    List<ProtectedPageId> protectedIds = new ArrayList<>();
    Map<Long, Long> versions = new HashMap<>();
    for (long commit = 1; ; commit++) {
      switch (random.nextInt(3)) {
        case 0 -> {
          try (Transaction tx = pager.begin()) {
            if (userPages.size() >= MAX_USER_PAGES || (!userPages.isEmpty() && random.nextInt(3) == 0)) {
              for (int n = 1 + random.nextInt(3); n > 0 && !userPages.isEmpty(); n--) {
                tx.free(userPages.remove(random.nextInt(userPages.size())));
              }
            } else {
              for (PageId id : tx.allocBulk(1 + random.nextInt(5))) {
                byte[] bytes = new byte[pager.pageSize()];
                random.nextBytes(bytes);
                pager.page(id).write(0, bytes, 0, bytes.length);
                userPages.add(id);
              }
            }
            tx.setRoot(0, commit);
            tx.commit();
          }
        }
        case 1 -> {
          try (Transaction tx = pager.begin()) {
            if (subPageIds.size() >= MAX_SUB_PAGES || (!subPageIds.isEmpty() && random.nextInt(3) == 0)) {
              List<SubPageId> freed = new ArrayList<>();
              for (int n = 1 + random.nextInt(8); n > 0 && !subPageIds.isEmpty(); n--) {
                freed.add(subPageIds.remove(random.nextInt(subPageIds.size())));
              }
              subPages.freeBulk(tx, freed);
            } else {
              for (int n = 1 + random.nextInt(8); n > 0; n--) {
                subPageIds.add(subPages.alloc(tx));
              }
            }
            tx.setRoot(0, commit);
            tx.commit();
          }
        }
        default -> {
          try (ProtectedTransaction tx = protectedPages.begin()) {
            Set<Long> touched = new HashSet<>();
            if (protectedIds.size() < MAX_PROTECTED_PAGES && (protectedIds.isEmpty() || random.nextInt(3) == 0)) {
              ProtectedPageId id = tx.alloc();
              protectedIds.add(id);
              versions.put(id.value(), 1L);
              touched.add(id.value());
            } else if (random.nextInt(4) == 0) {
              ProtectedPageId id = protectedIds.remove(random.nextInt(protectedIds.size()));
              tx.free(id);
              versions.remove(id.value());
              touched.add(id.value());
            }
            for (int writes = 1 + random.nextInt(2); writes > 0 && !protectedIds.isEmpty(); writes--) {
              ProtectedPageId id = protectedIds.get(random.nextInt(protectedIds.size()));
              if (touched.add(id.value())) {
                long version = Objects.requireNonNull(versions.get(id.value())) + 1;
                tx.write(id).copyFrom(MemorySegment.ofArray(content(seed, id.value(), version, pager.pageSize())));
                versions.put(id.value(), version);
              }
            }
            tx.pagerTransaction().setRoot(0, commit);
            tx.commit();
          }
        }
      }
      ReadersBesideWriter.acknowledge(System.out, pager, view);
      Thread.sleep(pauseMillis);
    }
  }

  /** The bytes of a protected page at a version: zeros at version 1, then from seed, id and version. */
  static byte[] content(long seed, long id, long version, int pageSize) {
    byte[] bytes = new byte[pageSize];
    if (version > 1) {
      new SplittableRandom(seed ^ (id * 0x9E3779B97F4A7C15L) ^ (version * 0xC2B2AE3D27D4EB4FL)).nextBytes(bytes);
    }
    return bytes;
  }

  /**
   * Renders a commit as the writer and the test both see it: the pager's state, a CRC of every
   * user page (allocated pages no structure owns), the sub-pages in use, and each protected page's
   * version, whose verified content must be the one its version promises.
   *
   * @param pager the writer's pager after a commit, or a pager on a copy
   * @param seed the writer's seed
   * @return the rendering, one line
   * @throws IOException when something cannot be read
   */
  static String render(Pager pager, long seed) throws IOException {
    StringBuilder text = new StringBuilder(ReadersBesideWriter.pagerState(pager));
    SubPageAllocator subPages = SubPageAllocator.open(pager, SUB_PAGE_SLOT, SUB_PAGE_SIZE);
    ProtectedPageAllocator protectedPages = ProtectedPageAllocator.open(pager, PROTECTED_SLOT);
    Set<Long> owned = new HashSet<>(subPages.ownedPages());
    owned.addAll(protectedPages.ownedPages());
    text.append(";user=");
    for (PageId id : pager.allocatedPages()) {
      if (!owned.contains(id.index())) {
        CRC32C crc = new CRC32C();
        crc.update(pager.page(id).toByteArray());
        text.append(id.index()).append(':').append(Long.toHexString(crc.getValue())).append(',');
      }
    }
    text.append(";sub=");
    subPages.forEachAllocated(id -> text.append(id.value()).append(','));
    text.append(";protected=");
    byte[] buffer = new byte[pager.pageSize()];
    for (ProtectedPageId id : protectedPages.allocatedIds()) {
      long version = protectedPages.read(id, buffer);
      if (!Arrays.equals(buffer, content(seed, id.value(), version, pager.pageSize()))) {
        throw new AssertionError("protected page " + id.value() + " at version " + version + " of generation "
            + pager.generation() + " holds other bytes than the writer wrote for that version");
      }
      text.append(id.value()).append(':').append(version).append(',');
    }
    return text.toString();
  }
}

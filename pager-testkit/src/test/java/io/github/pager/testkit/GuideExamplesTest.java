package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.MappedPage;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Snapshot;
import io.github.pager.core.Transaction;
import io.github.pager.testkit.junit.CrashRunner;
import io.github.pager.testkit.junit.CrashTest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * The examples of the README's guide, "Building a crash-safe structure on the pager", each with a
 * deliberately broken variant that the explorer must catch: the guide's rules are proven here,
 * not asserted. The copy-on-write counter with a root flip is {@link DownstreamUsageTest}.
 */
class GuideExamplesTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);
  private static final long SEED = CrashExplorer.defaultSeed();

  // ---------------------------------------------------------------------------------------------
  // Writing only past the committed end: an append-only log

  /**
   * An append-only log of nonzero longs in one run of pages: root slot 0 holds the committed
   * length, root slot 1 the run's first page. The bytes past the committed length belong to no
   * commit, so an append writes them freely; its commit makes them durable and then moves the
   * length.
   */
  static final class AppendLog extends PagerTarget<List<Long>> {
    static final int LENGTH = 0;
    static final int FIRST_PAGE = 1;
    static final int PAGES = 4;

    private final PagerOptions options;

    AppendLog() {
      this(OPTIONS);
    }

    AppendLog(PagerOptions options) {
      super(options);
      this.options = options;
    }

    @Override
    public List<Long> emptyState() {
      return List.of();
    }

    /** Reads the committed length's records: each must be one the log acknowledged or had in flight. */
    @Override
    public List<Long> recover(CrashExpectation<List<Long>> expected) {
      Pager pager = pager();
      return expected.require(read(pager.root(LENGTH), pager.root(FIRST_PAGE), i -> pager.page(pager.pageId(i))));
    }

    /** Reads {@code length} records from the run at {@code firstPage}, through a pager or a snapshot. */
    List<Long> read(long length, long firstPage, LongFunction<MappedPage> page) {
      List<Long> records = new ArrayList<>();
      for (long i = 0; i < length; i++) {
        records.add(page.apply(firstPage + i / perPage()).getLong(offset(i)));
      }
      return List.copyOf(records);
    }

    PageId at(long firstPage, long record) {
      return pager().pageId(firstPage + record / perPage());
    }

    long offset(long record) {
      return record % perPage() * Long.BYTES;
    }

    private int perPage() {
      return options.pageSize() / Long.BYTES;
    }

    /** Writes a record where nothing committed reaches: at or past the committed length. */
    void put(long firstPage, long record, long value) {
      pager().page(at(firstPage, record)).putLong(offset(record), value);
    }
  }

  /** Appends one to three records in one commit: the records first, then the length. */
  static final CrashOperation<List<Long>, AppendLog> APPEND = (log, records, step) -> {
    List<Long> next = new ArrayList<>(records);
    try (Transaction tx = log.pager().begin()) {
      long first = tx.root(AppendLog.FIRST_PAGE);
      if (first == 0) {
        first = tx.allocRun(AppendLog.PAGES).index();
        tx.setRoot(AppendLog.FIRST_PAGE, first);
      }
      long length = tx.root(AppendLog.LENGTH);
      for (int i = 1 + step.random().nextInt(3); i > 0; i--) {
        long value = step.random().nextLong(1, Long.MAX_VALUE);
        log.put(first, length++, value);      // past the committed end: no commit reaches it yet
        next.add(value);
      }
      tx.setRoot(AppendLog.LENGTH, length);   // the commit syncs the records, then publishes the length
      step.inFlight(List.copyOf(next));
      tx.commit();
    }
    return List.copyOf(next);
  };

  /** Broken: commits the new length first and writes the records after it. */
  static final CrashOperation<List<Long>, AppendLog> APPEND_LENGTH_FIRST = (log, records, step) -> {
    long value = step.random().nextLong(1, Long.MAX_VALUE);
    List<Long> next = new ArrayList<>(records);
    next.add(value);
    long first;
    try (Transaction tx = log.pager().begin()) {
      first = tx.root(AppendLog.FIRST_PAGE);
      if (first == 0) {
        first = tx.allocRun(AppendLog.PAGES).index();
        tx.setRoot(AppendLog.FIRST_PAGE, first);
      }
      tx.setRoot(AppendLog.LENGTH, records.size() + 1);
      step.inFlight(List.copyOf(next));
      tx.commit();
    }
    log.put(first, records.size(), value);    // too late: the durable length already counts it
    return List.copyOf(next);
  };

  @CrashTest
  void anAppendLogWritingPastTheCommittedEndSurvivesPowerLossAtEveryPoint(CrashRunner crash) {
    ModelWorkload<List<Long>, AppendLog> log = ModelWorkload.of(AppendLog::new, 20, List.of(APPEND));
    crash.explore(log, log.check());
  }

  @CrashTest(randomImages = 4)
  void anAppendLogSurvivesFailedSyncs(CrashRunner crash) {
    ModelWorkload<List<Long>, AppendLog> log = ModelWorkload.of(AppendLog::new, 10, List.of(APPEND));
    for (long sync = 2; sync < 12; sync++) {
      crash.explorer(log, log.check()).withFaults(FaultPlan.none().withSeed(SEED + sync).failingSync(sync))
          .explore().assertNoViolations();
    }
  }

  @Test
  void aLogThatMovesItsLengthBeforeWritingTheRecordIsCaught() {
    ModelWorkload<List<Long>, AppendLog> log = ModelWorkload.of(AppendLog::new, 10, List.of(APPEND_LENGTH_FIRST));
    CrashReport report = assertCaught(CrashExplorer.of("log moving its length first", log, log.check()));
    // The durable length counts a record that never reached the disk: it reads as zero.
    assertThat(report.failure()).hasMessageMatching("(?s)recovered a state that is neither.*against the acknowledged: \\[(.*, )?0], not .*");
  }

  /**
   * Writing past the committed end relies on a torn write leaving alone the sectors it did not
   * change. A disk without power-safe overwrite may damage the committed records that share an OS
   * page with an append. Pages of 4 KiB, one OS page each, so that the pager's own metadata
   * copies never share one and every violation is the log's.
   */
  @Test
  void appendsNextToCommittedRecordsNeedPowersafeOverwrite() {
    PagerOptions fourKib = PagerOptions.defaults().withPageSize(4096);
    ModelWorkload<List<Long>, AppendLog> log = ModelWorkload.of(() -> new AppendLog(fourKib), 10, List.of(APPEND));
    CrashExplorer.of("log on 4 KiB pages", log, log.check()).withSeed(SEED).explore().assertNoViolations();
    CrashReport report = assertCaught(CrashExplorer.of("log on a disk without power-safe overwrite", log, log.check())
        .withRandomImages(40)
        .withFaults(FaultPlan.none().withSeed(SEED).violatingPowersafeOverwrite()));
    assertThat(report.failure()).hasMessageContaining("recovered a state that is neither");
  }

  // ---------------------------------------------------------------------------------------------
  // Updating a fixed page in place: plain pages tear, protected pages do not

  /**
   * A record that fills one plain page (1 KiB, two 512-byte sectors), every long of it the
   * value, rewritten in place at a page id that never changes: the layout that protected pages
   * exist for. Root slot 0 names the page.
   */
  static final class InPlaceRecord extends PagerTarget<Long> {
    InPlaceRecord() {
      super(OPTIONS);
    }

    @Override
    public Long emptyState() {
      return 0L;
    }

    @Override
    public Long recover(CrashExpectation<Long> expected) {
      long root = pager().root(0);
      if (root == 0) {
        return expected.require(0L);
      }
      MappedPage page = pager().page(pager().pageId(root));
      long first = page.getLong(0);
      long last = page.getLong(page.size() - Long.BYTES);
      if (first != last) {
        throw new AssertionError("torn page " + root + ": it begins with " + first + " and ends with " + last);
      }
      return expected.require(first);
    }
  }

  /** Broken: rewrites the committed page in place, then commits (which syncs it). */
  static final CrashOperation<Long, InPlaceRecord> REWRITE_IN_PLACE = (record, value, step) -> {
    Pager pager = record.pager();
    try (Transaction tx = pager.begin()) {
      PageId page = pager.root(0) == 0 ? tx.alloc() : pager.pageId(pager.root(0));
      tx.setRoot(0, page.index());
      for (int offset = 0; offset < pager.pageSize(); offset += Long.BYTES) {
        pager.page(page).putLong(offset, value + 1);   // over the committed version
      }
      step.inFlight(value + 1);
      tx.commit();
    }
    return value + 1;
  };

  @Test
  void aPlainPageRewrittenInPlaceTearsAndIsCaught() {
    ModelWorkload<Long, InPlaceRecord> record = ModelWorkload.of(InPlaceRecord::new, 10, List.of(REWRITE_IN_PLACE));
    CrashReport report = assertCaught(CrashExplorer.of("plain page rewritten in place", record, record.check()));
    assertThat(report.choices()).contains("torn");
    assertThat(report.failure()).hasMessageContaining("torn page");
  }

  // ---------------------------------------------------------------------------------------------
  // Reusing freed pages

  /**
   * Broken: the README's counter, but it zeroes the old page right after freeing it, before the
   * commit that frees it is durable. The committed state still reaches that page.
   */
  static final CrashOperation<Long, DownstreamUsageTest.Counter> INCREMENT_SCRUBBING_THE_FREED_PAGE = (counter, value, step) -> {
    Pager pager = counter.pager();
    try (Transaction tx = pager.begin()) {
      PageId page = tx.alloc();
      pager.page(page).putLong(0, value + 1);
      if (pager.root(0) != 0) {
        PageId old = pager.pageId(pager.root(0));
        tx.free(old);
        pager.page(old).fill((byte) 0);          // a write into a page after freeing it
      }
      tx.setRoot(0, page.index());
      step.inFlight(value + 1);
      tx.commit();
    }
    return value + 1;
  };

  @Test
  void aStructureThatWritesIntoAPageAfterFreeingItIsCaught() {
    ModelWorkload<Long, DownstreamUsageTest.Counter> counter =
        ModelWorkload.of(DownstreamUsageTest.Counter::new, 10, List.of(INCREMENT_SCRUBBING_THE_FREED_PAGE));
    CrashReport report = assertCaught(CrashExplorer.of("counter scrubbing its freed page", counter, counter.check()));
    // The crash left the commit before current, and its page zeroed.
    assertThat(report.failure()).hasMessageContaining("recovered a state that is neither").hasMessageContaining("0, not");
  }

  /**
   * Broken for readers: a counter that keeps its own free list, the page its last commit replaced
   * (root slot 1), and writes the next value there instead of allocating. Crash-safe, since that
   * page is never reached by the current commit, but it bypasses the pager's reuse rule, which a
   * snapshot of an older commit relies on.
   */
  static final class OwnFreeListCounter extends PagerTarget<Long> {
    OwnFreeListCounter() {
      super(OPTIONS);
    }

    @Override
    public Long emptyState() {
      return 0L;
    }

    @Override
    public Long recover(CrashExpectation<Long> expected) {
      long root = pager().root(0);
      return expected.require(root == 0 ? 0 : pager().page(pager().pageId(root)).getLong(0));
    }
  }

  /** Writes the next value into the spare page (allocating one the first time) and swaps the roots. */
  static final CrashOperation<Long, OwnFreeListCounter> INCREMENT_FROM_OWN_FREE_LIST = (counter, value, step) -> {
    Pager pager = counter.pager();
    try (Transaction tx = pager.begin()) {
      PageId page = pager.root(1) == 0 ? tx.alloc() : pager.pageId(pager.root(1));
      pager.page(page).putLong(0, value + 1);
      tx.setRoot(1, pager.root(0));              // the page just replaced becomes the spare
      tx.setRoot(0, page.index());
      step.inFlight(value + 1);
      tx.commit();
    }
    return value + 1;
  };

  @CrashTest
  void aCounterWithItsOwnFreeListSurvivesPowerLoss(CrashRunner crash) {
    ModelWorkload<Long, OwnFreeListCounter> counter =
        ModelWorkload.of(OwnFreeListCounter::new, 15, List.of(INCREMENT_FROM_OWN_FREE_LIST));
    crash.explore(counter, counter.check());
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots for readers

  /**
   * Takes a snapshot, lets the writer commit three increments, and requires the snapshot to read
   * the value of its commit still.
   */
  static <T extends PagerTarget<Long>> CrashOperation<Long, T> readWhileWriting(CrashOperation<Long, T> increment) {
    return (counter, value, step) -> {
      try (Snapshot snapshot = counter.pager().snapshot()) {   // pins the last commit
        Long next = value;
        for (int i = 0; i < 3; i++) {                          // the writer goes on
          next = increment.apply(counter, next, step);
          step.acknowledge(next);
        }
        long root = snapshot.root(0);
        long seen = root == 0 ? 0 : snapshot.page(snapshot.pageId(root)).getLong(0);
        if (seen != value) {
          throw new AssertionError("a snapshot taken at " + value + " reads " + seen + " once the writer is at " + next);
        }
        return next;
      }
    };
  }

  @CrashTest
  void aSnapshotReadsItsCommitWhileTheWriterGoesOn(CrashRunner crash) {
    ModelWorkload<Long, DownstreamUsageTest.Counter> counter = ModelWorkload.of(DownstreamUsageTest.Counter::new, 10,
        List.of(DownstreamUsageTest.INCREMENT, readWhileWriting(DownstreamUsageTest.INCREMENT)));
    crash.explore(counter, counter.check());
  }

  /** A snapshot of the log reads its records while three appends commit past its length. */
  static final CrashOperation<List<Long>, AppendLog> READ_WHILE_APPENDING = (log, records, step) -> {
    try (Snapshot snapshot = log.pager().snapshot()) {
      List<Long> next = records;
      for (int i = 0; i < 3; i++) {
        next = APPEND.apply(log, next, step);
        step.acknowledge(next);
      }
      List<Long> seen = log.read(snapshot.root(AppendLog.LENGTH), snapshot.root(AppendLog.FIRST_PAGE),
          i -> snapshot.page(snapshot.pageId(i)));
      if (!seen.equals(records)) {
        throw new AssertionError("a snapshot taken at " + records + " reads " + seen);
      }
      return next;
    }
  };

  @CrashTest
  void aSnapshotOfTheLogReadsItsRecordsWhileAppendsGoOn(CrashRunner crash) {
    ModelWorkload<List<Long>, AppendLog> log = ModelWorkload.of(AppendLog::new, 10, List.of(APPEND, READ_WHILE_APPENDING));
    crash.explore(log, log.check());
  }

  @Test
  void aSnapshotReaderOfACounterWithItsOwnFreeListIsCaught() {
    ModelWorkload<Long, OwnFreeListCounter> counter = ModelWorkload.of(OwnFreeListCounter::new, 10,
        List.of(INCREMENT_FROM_OWN_FREE_LIST, readWhileWriting(INCREMENT_FROM_OWN_FREE_LIST)));
    // Not a crash state: the reader's check fails in the running process, and the workload with it.
    assertThatThrownBy(CrashExplorer.of("own free list under a snapshot", counter, counter.check()).withSeed(SEED)::explore)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the workload threw")
        .cause()
        .hasMessageContaining("a snapshot taken at");
  }

  /** Explores, requires a violation, and requires it to replay from its report. */
  private static <S> CrashReport assertCaught(CrashExplorer<S> explorer) {
    CrashExploration result = explorer.withSeed(SEED).quietly().explore();
    assertThat(result.violations()).as("violations found by " + result).isNotEmpty();
    CrashReport report = result.violations().get(0);
    assertThatThrownBy(() -> explorer.withSeed(SEED).replay(report.point().number(), report.imageNumber()))
        .as("replaying " + report.replayCode())
        .isInstanceOf(CrashViolation.class);
    ExpectedFinding.caught(result);
    return report;
  }
}

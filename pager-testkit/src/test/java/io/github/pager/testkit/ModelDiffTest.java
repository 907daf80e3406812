package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** A violation names what differs, not two large states printed whole. */
class ModelDiffTest {

  @Test
  void smallStatesArePrintedWhole() {
    assertThat(ModelDiff.describe(7L, 6L)).isEqualTo("7, not 6");
  }

  @Test
  void largeMapsAreComparedByKey() {
    TreeMap<Long, Long> expected = new TreeMap<>();
    LongStream.range(0, 100).forEach(key -> expected.put(key, key * 10));
    TreeMap<Long, Long> actual = new TreeMap<>(expected);
    actual.remove(3L);
    actual.put(50L, -1L);
    actual.put(1000L, 1L);
    assertThat(ModelDiff.describe(actual, expected))
        .isEqualTo("a state that differs from the expected one: 1 missing (3=30); 1 unexpected (1000=1); "
            + "1 different (50: -1 instead of 500)");
  }

  @Test
  void largeSetsAreComparedByElementAndListsAreCut() {
    TreeSet<Long> expected = new TreeSet<>();
    LongStream.range(0, 100).forEach(expected::add);
    TreeSet<Long> actual = new TreeSet<>(expected);
    LongStream.range(10, 30).forEach(actual::remove);
    assertThat(ModelDiff.describe(actual, expected))
        .isEqualTo("a state that differs from the expected one: 20 missing (10, 11, 12, 13, 14, 15, 16, 17, and 12 more)");
  }

  @Test
  void anythingElseShowsTheTextThatDiffersWithSomeContext() {
    record Model(Map<Long, String> pages, long generation) {}
    TreeMap<Long, String> pages = new TreeMap<>();
    LongStream.range(0, 40).forEach(page -> pages.put(page, "content of page " + page));
    String difference = ModelDiff.describe(new Model(pages, 8), new Model(pages, 9));
    assertThat(difference)
        .startsWith("a state that differs from the expected one: at character ")
        .endsWith("39=content of page 39}, generation=»8«] instead of … 38, 39=content of page 39}, generation=»9«]")
        .hasSizeLessThan(200);
  }
}

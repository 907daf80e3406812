package io.github.pager.testkit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Describes how one model state differs from another, so that a failed check names the
 * difference instead of printing two large states whole: maps by key, collections by element,
 * anything else by the part of its {@code toString()} that differs.
 */
final class ModelDiff {
  /** States whose text is at most this long are printed whole. */
  static final int WHOLE = 160;

  /** How many differences of each kind a description lists. */
  private static final int LISTED = 8;

  /** Characters of common text shown on each side of a textual difference. */
  private static final int CONTEXT = 40;

  private ModelDiff() {}

  /**
   * Describes {@code actual} against {@code expected}: both whole when short, else what differs.
   *
   * @return a phrase such as {@code "7, not 6"} or {@code "a state differing from ...: ..."}
   */
  static String describe(Object actual, @Nullable Object expected) {
    String actualText = String.valueOf(actual);
    String expectedText = String.valueOf(expected);
    if (expected == null || (actualText.length() <= WHOLE && expectedText.length() <= WHOLE)) {
      return actualText + ", not " + expectedText;
    }
    return "a state that differs from the expected one: " + difference(actual, expected);
  }

  /** What differs between two states, in a few lines at most. */
  static String difference(Object actual, Object expected) {
    if (actual instanceof Map<?, ?> a && expected instanceof Map<?, ?> e) {
      return mapDifference(a, e);
    }
    if (actual instanceof Collection<?> a && expected instanceof Collection<?> e) {
      return collectionDifference(a, e);
    }
    return textDifference(String.valueOf(actual), String.valueOf(expected));
  }

  private static String mapDifference(Map<?, ?> actual, Map<?, ?> expected) {
    List<String> missing = new ArrayList<>();
    List<String> extra = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    for (Map.Entry<?, ?> entry : expected.entrySet()) {
      if (!actual.containsKey(entry.getKey())) {
        missing.add(entry.getKey() + "=" + entry.getValue());
      } else if (!Objects.equals(actual.get(entry.getKey()), entry.getValue())) {
        changed.add(entry.getKey() + ": " + actual.get(entry.getKey()) + " instead of " + entry.getValue());
      }
    }
    for (Map.Entry<?, ?> entry : actual.entrySet()) {
      if (!expected.containsKey(entry.getKey())) {
        extra.add(entry.getKey() + "=" + entry.getValue());
      }
    }
    return join(List.of(listed("missing", missing), listed("unexpected", extra), listed("different", changed)));
  }

  private static String collectionDifference(Collection<?> actual, Collection<?> expected) {
    Set<Object> missing = new LinkedHashSet<>(expected);
    missing.removeAll(new LinkedHashSet<>(actual));
    Set<Object> extra = new LinkedHashSet<>(actual);
    extra.removeAll(new LinkedHashSet<>(expected));
    if (missing.isEmpty() && extra.isEmpty()) {
      return "the same elements, " + textDifference(String.valueOf(actual), String.valueOf(expected));
    }
    return join(List.of(listed("missing", missing), listed("unexpected", extra)));
  }

  /**
   * The span from the first to the last differing character, marked {@code »like this«}, with
   * some common text around it.
   */
  private static String textDifference(String actual, String expected) {
    int prefix = 0;
    int shorter = Math.min(actual.length(), expected.length());
    while (prefix < shorter && actual.charAt(prefix) == expected.charAt(prefix)) {
      prefix++;
    }
    int suffix = 0;
    while (suffix < shorter - prefix
        && actual.charAt(actual.length() - 1 - suffix) == expected.charAt(expected.length() - 1 - suffix)) {
      suffix++;
    }
    return "at character " + prefix + ", " + excerpt(actual, prefix, suffix) + " instead of "
        + excerpt(expected, prefix, suffix);
  }

  private static String excerpt(String text, int prefix, int suffix) {
    int from = Math.max(0, prefix - CONTEXT);
    int to = Math.min(text.length(), text.length() - suffix + CONTEXT);
    String middle = text.substring(prefix, text.length() - suffix);
    if (middle.length() > 2 * WHOLE) {
      middle = middle.substring(0, WHOLE) + "…(" + (middle.length() - 2 * WHOLE) + " more)…"
          + middle.substring(middle.length() - WHOLE);
    }
    return (from > 0 ? "…" : "") + text.substring(from, prefix) + "»" + middle + "«"
        + text.substring(text.length() - suffix, to) + (to < text.length() ? "…" : "");
  }

  private static String listed(String label, Collection<?> items) {
    if (items.isEmpty()) {
      return "";
    }
    List<String> shown = new ArrayList<>();
    for (Object item : items) {
      if (shown.size() == LISTED) {
        shown.add("and " + (items.size() - LISTED) + " more");
        break;
      }
      shown.add(String.valueOf(item));
    }
    return items.size() + " " + label + " (" + String.join(", ", shown) + ")";
  }

  private static String join(List<String> parts) {
    List<String> present = new ArrayList<>();
    for (String part : parts) {
      if (!part.isEmpty()) {
        present.add(part);
      }
    }
    return String.join("; ", present);
  }
}

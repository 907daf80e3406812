/**
 * AssertJ assertions for pagers and pages: start from {@link
 * io.github.pager.testkit.assertj.PagerAssertions#assertThat}.
 */
@NullMarked
package io.github.pager.testkit.assertj;

import org.jspecify.annotations.NullMarked;

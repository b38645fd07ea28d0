// Runs inside the page under test (bench:ui). Plain browser JavaScript, installed with
// page.evaluate, which the page's content security policy does not apply to.
window.__shoeboxBench = {
  /** Types a query and resolves when its results are drawn with their first thumbnails loaded. */
  async keystrokeToResults(text) {
    const input = document.querySelector('input[type="search"]');
    const started = performance.now();
    input.value = text;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((done) => {
      const check = () => {
        const results = document.querySelector('[data-testid="search-results"]');
        const images = results ? [...results.querySelectorAll('img[data-photo-id]')].slice(0, 6) : [];
        const ready =
          results?.dataset.query === text &&
          images.length > 0 &&
          images.every((image) => image.complete && image.naturalWidth > 0);
        if (ready) done();
        else requestAnimationFrame(check);
      };
      check();
    });
    await new Promise((frame) => requestAnimationFrame(frame));
    return performance.now() - started;
  },

  /** Scrolls an element (or the page) to the bottom at a steady speed, timing every frame. */
  async scrollFrames(selector) {
    const element = selector ? document.querySelector(selector) : document.scrollingElement;
    const distance = element.scrollHeight - element.clientHeight;
    const speed = 4000; // pixels per second: a brisk fling
    const times = [];
    await new Promise((done) => {
      let start = null;
      const step = (now) => {
        start ??= now;
        times.push(now);
        const position = Math.min(distance, ((now - start) / 1000) * speed);
        element.scrollTop = position;
        if (position >= distance) done();
        else requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
    const intervals = times.slice(1).map((time, i) => time - times[i]);
    const sorted = [...intervals].sort((a, b) => a - b);
    const refresh = sorted[Math.floor(sorted.length / 2)] ?? 16.7;
    return {
      frames: intervals.length,
      dropped: intervals.filter((interval) => interval > refresh * 1.5).length,
      pixels: distance,
      refreshMs: Math.round(refresh * 10) / 10,
    };
  },
};

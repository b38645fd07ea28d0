export default {
  vitePlugin: {
    // Our own components always use runes; libraries keep whatever mode they were written for.
    dynamicCompileOptions: ({ filename }) => (filename.includes('/node_modules/') ? undefined : { runes: true }),
  },
};

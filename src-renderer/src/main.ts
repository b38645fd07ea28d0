import { mount } from 'svelte';
import App from './App.svelte';
import { applyTheme, rememberedTheme } from '$lib/utils/theme.js';
import './app.css';

applyTheme(rememberedTheme());

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element.');
mount(App, { target });

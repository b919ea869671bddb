import { mount } from 'svelte';
import '@xterm/xterm/css/xterm.css';
import './lib/theme.css';
import App from './App.svelte';

const target = document.getElementById('app') as HTMLElement;
// The splash in index.html is the first paint; the app takes its place in the same task.
target.replaceChildren();
mount(App, { target });

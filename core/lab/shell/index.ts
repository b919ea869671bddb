// The node shell: public entry points. (Implementation lands in the sibling modules.)
export type * from './host.js';

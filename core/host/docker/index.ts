// The docker backend: mini-nodes as real Linux containers.
export { createDockerLab, attachDockerLab, removeDockerLab, listDockerLabs, DockerLab, LAB_LABEL, NODE_LABEL } from './lab.js';
export type { DockerLabOptions } from './lab.js';
export { allocateNodeSubnet, findDockerLabs, dockerStoppedError } from './lifecycle.js';
export type { Engine } from './connect.js';
export { connectEngine, engineCandidates } from './connect.js';
export { imageStatus, buildImage, NODE_IMAGE, CHAINLAB_VERSION } from './image.js';

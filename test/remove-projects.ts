import { afterAll } from 'vitest';
import { removeProjects } from './project-files.js';

// A setup file runs for every test file, also where test files share modules (the unit project).
afterAll(removeProjects);

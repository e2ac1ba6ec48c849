import './report.css';
import { start } from './report.js';

start();

// Koronet Platform: one Pulumi program, one stack per environment (Pulumi.<stack>.yaml).
// Everything lives in config/ (validated settings), stacks/ (composition) and components/.
import { main } from "./stacks";

export = main;

/**
 * The boundary between the Pulumi program and the Lambda runtime package (issue 16 item 3):
 * the program reads from functions/ only its SDK-free contract, and functions/ never reaches into
 * the program or @pulumi/*. Run by `npm run lint:boundary` (in `npm test`); test/lint/boundary.test.ts
 * shows each rule catching a violation. Paths are relative to the directory depcruise runs in.
 * https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 */
const PROGRAM = "^(index\\.ts$|stacks/|components/|config/|policy/|scripts/|ops/)";
const CONTRACT = "^functions/src/contract(/|\\.ts$)";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
    forbidden: [
        {
            name: "program-imports-only-the-functions-contract",
            comment: "The Pulumi program may import from functions/ only functions/src/contract*: the runtime modules load SDK clients.",
            severity: "error",
            from: { path: PROGRAM },
            to: { path: "^functions/", pathNot: CONTRACT },
        },
        {
            name: "functions-import-no-pulumi",
            comment: "Lambda runtime code never imports @pulumi/*: it is bundled into the functions and runs without the engine.",
            severity: "error",
            from: { path: "^functions/" },
            to: { path: "(^|/)node_modules/@pulumi/|^@pulumi/" },
        },
        {
            name: "functions-stay-in-their-package",
            comment: "functions/ imports only its own modules, its own node_modules and Node built-ins: it builds and tests on its own.",
            severity: "error",
            from: { path: "^functions/" },
            to: { pathNot: "^functions/", dependencyTypesNot: ["core"] },
        },
        {
            name: "functions-contract-is-self-contained",
            comment:
                "The contract imports only within functions/src/contract/: every name the program reads is defined there, not re-exported from runtime modules.",
            severity: "error",
            from: { path: CONTRACT },
            to: { pathNot: CONTRACT },
        },
        {
            name: "functions-contract-loads-no-package",
            comment: "Importing the contract loads no npm package (no SDK client): everything it reaches is plain TypeScript of functions/src.",
            severity: "error",
            from: { path: CONTRACT },
            to: { path: "node_modules/", reachable: true },
        },
    ],
    options: {
        doNotFollow: { path: "node_modules" },
        exclude: { path: "(^|/)\\.build/" },
        tsPreCompilationDeps: true,
        combinedDependencies: false,
    },
};

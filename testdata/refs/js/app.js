window.app = { started: true };

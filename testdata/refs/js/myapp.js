window.myapp = { started: true };

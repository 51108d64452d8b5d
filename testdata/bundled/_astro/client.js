export default (element) => async (Component) => { element.textContent = String(Component()); };

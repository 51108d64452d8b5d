export const a=()=>console.log("shared");

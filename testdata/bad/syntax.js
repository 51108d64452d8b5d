const a = 1;
function (x {
  return x;
}

"""The county's coverage dashboard: figures per township, village and grid (households in
a grid, looked after by a member, visited; grids in band, led, with a party group;
incidents), their map, heat layers, trend, problems and exports."""

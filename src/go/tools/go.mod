module example.com/monorepo/tools

go 1.26.0

require example.com/monorepo v0.0.0

replace example.com/monorepo => ../
